using System.Diagnostics;
using System.Globalization;
using Eventing.Benchmarks.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.Benchmarks.Scaling;

[Event("bench.scaling", Durable = true)]
public sealed record ScalingEvent(int Seq, string Payload);

/// <summary>
/// How cost grows on the local and RabbitMq providers (`-- scaling`, broker from <c>eng/services.sh up</c>): one
/// axis at a time from a base of one listener, a 100-byte body and concurrency 1, sends 1,000 in flight.
/// <list type="bullet">
/// <item>listeners on one event (1, 10, 100): each gets every event, so the deliveries are kept at
/// <see cref="Deliveries"/> by sending fewer events;</item>
/// <item>body size (100 B, 10 KB, 1 MB), with fewer messages for the larger bodies;</item>
/// <item>listener concurrency (1, 8, 64), with a listener that awaits <c>Task.Delay(1 ms)</c> for each event (about
/// 4 ms with Linux timers), as one that calls a database would: throughput should grow with concurrency until the provider, the broker or the cores stop it.</item>
/// </list>
/// Per case: events sent per second, deliveries per second, and bytes allocated in this process per delivery.
/// One run, not a BenchmarkDotNet case: the 1 MB and 100-listener cases take too long for the smoke run.
/// </summary>
internal static class ScalingMeasurement
{
    private const int Deliveries = 20_000;
    private const int InFlight = 1_000;

    public static async Task<int> RunAsync()
    {
        await TestBroker.UpAsync();
        var uri = TestBroker.Uri;
        Case[] cases =
        [
            new("listeners", "1", Listeners: 1, BodyBytes: 100, Concurrency: 1, HandlerDelay: false),
            new("listeners", "10", Listeners: 10, BodyBytes: 100, Concurrency: 1, HandlerDelay: false),
            new("listeners", "100", Listeners: 100, BodyBytes: 100, Concurrency: 1, HandlerDelay: false),
            new("body", "100 B", Listeners: 1, BodyBytes: 100, Concurrency: 1, HandlerDelay: false),
            new("body", "10 KB", Listeners: 1, BodyBytes: 10_000, Concurrency: 1, HandlerDelay: false),
            new("body", "1 MB", Listeners: 1, BodyBytes: 1_000_000, Concurrency: 1, HandlerDelay: false),
            new("concurrency, 1 ms listener", "1", Listeners: 1, BodyBytes: 100, Concurrency: 1, HandlerDelay: true),
            new("concurrency, 1 ms listener", "8", Listeners: 1, BodyBytes: 100, Concurrency: 8, HandlerDelay: true),
            new("concurrency, 1 ms listener", "64", Listeners: 1, BodyBytes: 100, Concurrency: 64, HandlerDelay: true),
        ];

        Console.WriteLine("| provider | axis | value | events sent | events/s | deliveries/s | allocated B/delivery |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
        foreach (var provider in new[] { "local", "RabbitMq" })
        {
            // A warm-up of the base case, not printed: the first host of a process also pays for JIT and connections.
            await MeasureAsync(provider, uri, cases[0]);
            foreach (var @case in cases)
            {
                var result = await MeasureAsync(provider, uri, @case);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {provider} | {@case.Axis} | {@case.Value} | {result.Events:N0} | {result.Events / result.Elapsed.TotalSeconds:N0} | {result.Events * @case.Listeners / result.Elapsed.TotalSeconds:N0} | {result.Allocated / (double)(result.Events * @case.Listeners):N0} |"));
            }
        }

        return 0;
    }

    private static async Task<(int Events, TimeSpan Elapsed, long Allocated)> MeasureAsync(string provider, Uri uri, Case @case)
    {
        var events = EventsFor(@case);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddEventing(eventing =>
        {
            eventing.Configure(options => options.DefaultConcurrency = @case.Concurrency);
            if (provider == "local")
            {
                eventing.UseLocal();
            }
            else
            {
                eventing.UseRabbitMq(rabbit =>
                {
                    rabbit.Uri = uri;
                    rabbit.MaxOutstandingConfirms = InFlight;
                });
            }
        });
        using var host = builder.Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IEventManager>();
        var names = Enumerable.Range(0, @case.Listeners).Select(i => $"scale{i}").ToList();
        var expected = events * @case.Listeners;
        var arrived = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriptions = new List<IAsyncDisposable>();
        foreach (var name in names)
        {
            subscriptions.Add(await bus.SubscribeAsync<ScalingEvent>(name, async (_, _, cancellationToken) =>
            {
                if (@case.HandlerDelay)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken);
                }

                if (Interlocked.Increment(ref arrived) == expected)
                {
                    all.TrySetResult();
                }
            }));
        }

        var payload = new string('x', @case.BodyBytes);
        var records = Enumerable.Range(0, events).Select(i => new ScalingEvent(i, payload)).ToArray();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var sends = new Task[Math.Min(InFlight, events)];
        for (var start = 0; start < events; start += sends.Length)
        {
            var count = Math.Min(sends.Length, events - start);
            for (var i = 0; i < count; i++)
            {
                sends[i] = bus.SendAsync(records[start + i]).AsTask();
            }

            await Task.WhenAll(sends.Take(count));
        }

        // A lost delivery fails the run instead of leaving it waiting for ever.
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync();
        }

        await host.StopAsync();
        if (provider != "local")
        {
            await DeleteQueuesAsync(uri, names);
        }

        return (events, elapsed, allocated);
    }

    // Fewer events where each costs more, so every case takes seconds, not minutes.
    private static int EventsFor(Case @case) => @case.BodyBytes switch
    {
        >= 1_000_000 => 200,
        >= 10_000 => 5_000,
        _ => Deliveries / @case.Listeners / (@case.HandlerDelay && @case.Concurrency == 1 ? 10 : 1),
    };

    private static async Task DeleteQueuesAsync(Uri uri, IEnumerable<string> listeners)
    {
        await using var connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync("bench-scaling-cleanup");
        await using var channel = await connection.CreateChannelAsync();
        foreach (var listener in listeners)
        {
            await channel.QueueDeleteAsync($"bench.scaling::{listener}");
            await channel.QueueDeleteAsync($"bench.scaling::{listener}.dead-letter");
        }
    }

    private sealed record Case(string Axis, string Value, int Listeners, int BodyBytes, int Concurrency, bool HandlerDelay);
}
