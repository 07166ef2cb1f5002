using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>
/// What a message costs on each stack of <see cref="RabbitMqThroughputBenchmarks"/> (`-- rabbitmq-costs`, broker from
/// <c>eng/services.sh up</c>): the same scenarios, round-robin in <see cref="Passes"/> passes after one warm-up pass,
/// and per scenario the medians of throughput, client CPU (this process), broker CPU (its Erlang VM), bytes allocated
/// and bytes on the wire (all the broker's connections: received and sent) per message. Round-robin, so a drift of
/// the machine (another process, the broker's disk) spreads over every stack instead of landing on one.
/// Not a BenchmarkDotNet case: BenchmarkDotNet measures time and allocations only, and each pass reads the broker.
/// </summary>
internal static class RabbitMqCostMeasurement
{
    private const int Passes = 3;

    public static async Task<int> RunAsync()
    {
        var bench = new RabbitMqThroughputBenchmarks();
        await bench.SetupAsync();

        // Our provider as it was before it stopped repeating native properties in ce_ headers (and as it still is
        // with the option set): the broker's share of that header set, measured in the same run.
        using var repeating = await bench.StartOurHostAsync(repeatNativeProperties: true);
        var repeatingEvents = repeating.Services.GetRequiredService<IEventManager>();

        // Structured mode: the attributes in the body, no header table for the broker to parse.
        using var structured = await bench.StartOurHostAsync(repeatNativeProperties: false, contentMode: ContentMode.Structured);
        var structuredEvents = structured.Services.GetRequiredService<IEventManager>();
        try
        {
            var ourProperties = await bench.CaptureOurPropertiesAsync();

            // What a send timeout costs inside RabbitMQ.Client: with a token that can be cancelled it waits for the
            // confirm and its confirmation lock through cancellable waits (our provider passes one per send).
            using var timeout = new CancellationTokenSource(TimeSpan.FromHours(1));
            Scenario[] scenarios =
            [
                new("publish", "raw RabbitMQ.Client", bench.Purge, bench.Raw_publish, static () => { }),
                new("publish", "raw, with Eventing's properties", bench.Purge, () => bench.RawPublishAllAsync(ourProperties), static () => { }),
                new("publish", "raw, with a cancellable token", bench.Purge, () => bench.RawPublishAllAsync(RabbitMqThroughputBenchmarks.RawProperties(), timeout.Token), static () => { }),
                new("publish", "Eventing.RabbitMq", bench.Purge, bench.Eventing_publish, static () => { }),
                new("publish", "Eventing.RabbitMq, RepeatNativePropertiesInHeaders", bench.Purge, () => bench.SendAllAsync(repeatingEvents), static () => { }),
                new("publish", "Eventing.RabbitMq, structured mode", bench.Purge, () => bench.SendAllAsync(structuredEvents), static () => { }),
                new("publish", "Wolverine 6.62", bench.Purge, bench.Wolverine_publish, static () => { }),
                new("publish", "MassTransit 8.5.12", bench.Purge, bench.MassTransit_publish, static () => { }),
                new("end to end", "raw RabbitMQ.Client", bench.StartRawConsumer, bench.Raw_end_to_end, bench.StopRawConsumer),
                new("end to end", "Eventing.RabbitMq", bench.StartOurListener, bench.Eventing_end_to_end, bench.StopOurListener),
                new("end to end", "Wolverine 6.62", bench.StartWolverineConsumer, bench.Wolverine_end_to_end, bench.StopWolverineConsumer),
                new("end to end", "MassTransit 8.5.12", bench.StartMassTransitConsumer, bench.MassTransit_end_to_end, bench.StopMassTransitConsumer),
                Concurrently(bench, new("end to end, concurrency 100", "raw RabbitMQ.Client", bench.StartRawConsumer, bench.Raw_end_to_end, bench.StopRawConsumer)),
                Concurrently(bench, new("end to end, concurrency 100", "Eventing.RabbitMq", bench.StartOurListener, bench.Eventing_end_to_end, bench.StopOurListener)),
                Concurrently(bench, new("end to end, concurrency 100", "Wolverine 6.62", bench.StartWolverineConsumer, bench.Wolverine_end_to_end, bench.StopWolverineConsumer)),
                Concurrently(bench, new("end to end, concurrency 100", "MassTransit 8.5.12", bench.StartMassTransitConsumer, bench.MassTransit_end_to_end, bench.StopMassTransitConsumer)),
            ];

            Console.WriteLine($"{RabbitMqThroughputBenchmarks.Messages:N0} messages per run; one warm-up pass, then {Passes} passes round-robin.");
            foreach (var scenario in scenarios)
            {
                await MeasureAsync(scenario);
            }

            var results = scenarios.ToDictionary(scenario => scenario, _ => new List<Cost>());
            for (var pass = 1; pass <= Passes; pass++)
            {
                foreach (var scenario in scenarios)
                {
                    var cost = await MeasureAsync(scenario);
                    results[scenario].Add(cost);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pass {pass}: {scenario.Category}, {scenario.Stack}: {cost.PerSecond:N0}/s"));
                }
            }

            Print(scenarios, results);
            return 0;
        }
        finally
        {
            await structured.StopAsync();
            await repeating.StopAsync();
            await bench.CleanupAsync();
        }
    }

    // The consumer of a concurrent scenario is built with ConsumerConcurrency 100, the others with 1.
    private static Scenario Concurrently(RabbitMqThroughputBenchmarks bench, Scenario scenario) =>
        scenario with
        {
            Setup = () =>
            {
                bench.ConsumerConcurrency = 100;
                try
                {
                    scenario.Setup();
                }
                finally
                {
                    bench.ConsumerConcurrency = 1;
                }
            },
        };

    private static async Task<Cost> MeasureAsync(Scenario scenario)
    {
        scenario.Setup();
        try
        {
            var trafficBefore = await TestBroker.TrafficAsync();
            var brokerBefore = TestBroker.CpuTime();
            var clientBefore = ClientCpuTime();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await scenario.Run();
            var elapsed = clock.Elapsed;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var client = ClientCpuTime() - clientBefore;
            var broker = TestBroker.CpuTime() - brokerBefore;
            var trafficAfter = await TestBroker.TrafficAsync();
            double messages = RabbitMqThroughputBenchmarks.Messages;
            return new Cost(
                messages / elapsed.TotalSeconds,
                client.TotalMicroseconds / messages,
                broker.TotalMicroseconds / messages,
                allocated / messages,
                (trafficAfter.Received - trafficBefore.Received) / messages,
                (trafficAfter.Sent - trafficBefore.Sent) / messages);
        }
        finally
        {
            scenario.Cleanup();
        }
    }

    private static TimeSpan ClientCpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static void Print(Scenario[] scenarios, Dictionary<Scenario, List<Cost>> results)
    {
        Console.WriteLine();
        Console.WriteLine($"medians of {Passes} passes; ratio = throughput / the raw client's in the same category");
        Console.WriteLine("| scenario | stack | msgs/s | ratio | client CPU µs/msg | broker CPU µs/msg | allocated B/msg | broker in B/msg | broker out B/msg |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var category in scenarios.Select(scenario => scenario.Category).Distinct())
        {
            var inCategory = scenarios.Where(scenario => scenario.Category == category).ToList();
            var baseline = Median(results[inCategory[0]], cost => cost.PerSecond);
            foreach (var scenario in inCategory)
            {
                var costs = results[scenario];
                var perSecond = Median(costs, cost => cost.PerSecond);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {category} | {scenario.Stack} | {perSecond:N0} | {perSecond / baseline:F2}× | {Median(costs, cost => cost.ClientMicroseconds):F0} | {Median(costs, cost => cost.BrokerMicroseconds):F0} | {Median(costs, cost => cost.AllocatedBytes):N0} | {Median(costs, cost => cost.ReceivedBytes):F0} | {Median(costs, cost => cost.SentBytes):F0} |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("spread (min–max msgs/s over the passes):");
        foreach (var scenario in scenarios)
        {
            var rates = results[scenario].Select(cost => cost.PerSecond).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scenario.Category}, {scenario.Stack}: {rates.Min():N0}–{rates.Max():N0}"));
        }
    }

    private static double Median(List<Cost> costs, Func<Cost, double> value)
    {
        var sorted = costs.Select(value).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed record Scenario(string Category, string Stack, Action Setup, Func<Task> Run, Action Cleanup);

    private sealed record Cost(double PerSecond, double ClientMicroseconds, double BrokerMicroseconds, double AllocatedBytes, double ReceivedBytes, double SentBytes);
}
