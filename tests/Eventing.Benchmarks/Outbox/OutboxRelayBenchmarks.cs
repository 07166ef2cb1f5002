using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Eventing.Benchmarks.Outbox;

/// <summary>
/// Relay throughput (pending rows → RabbitMQ, confirmed, rows deleted) next to the provider's direct send rate in
/// the same run. Each invocation moves <see cref="Events"/> durable events; BenchmarkDotNet reports time per event.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class OutboxRelayBenchmarks
{
    public const int Events = 5000;

    private OutboxBench _bench = null!;

    [Params("sqlite", "postgresql")]
    public string Store { get; set; } = "";

    [GlobalSetup]
    public async Task SetupAsync() => _bench = await OutboxBench.StartAsync(Store);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _bench.DisposeAsync();

    [IterationSetup(Target = nameof(Relay))]
    public void RecordPending() => _bench.RecordPendingAsync(Events).GetAwaiter().GetResult();

    /// <summary>The relay's work: lease batches of 1000, 256 sends in flight, delete what the broker confirmed.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public async Task Relay()
    {
        var result = await _bench.Flusher.FlushAsync();
        if (result.Sent != Events || result.Failed != 0)
        {
            throw new InvalidOperationException($"Relayed {result.Sent} of {Events} events, {result.Failed} failed.");
        }
    }

    /// <summary>The provider alone: the same events sent straight through IEventManager, 256 in flight.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public async Task DirectSend()
    {
        var events = _bench.Events;
        var inFlight = new Task[256];
        for (var i = 0; i < Events; i += inFlight.Length)
        {
            var count = Math.Min(inFlight.Length, Events - i);
            for (var j = 0; j < count; j++)
            {
                inFlight[j] = events.SendAsync(new BenchOrderPlaced(i + j, "customer-42")).AsTask();
            }

            await Task.WhenAll(inFlight.AsSpan(0, count));
        }
    }
}
