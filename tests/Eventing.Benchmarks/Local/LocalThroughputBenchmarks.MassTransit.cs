using BenchmarkDotNet.Attributes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Benchmarks.Local;

/// <summary>The same record as <see cref="BenchmarkOrder"/>, for MassTransit (which names its exchanges by type).</summary>
public sealed record MassTransitOrder(int Number, string Customer, decimal Total);

/// <summary>
/// MassTransit 8 on its in-memory transport, the same workload: Publish through the bus (its default serializer,
/// the JSON envelope, on both ends: the in-memory transport serializes as a broker transport does) to a receive
/// endpoint whose consumer counts each message.
/// </summary>
/// <remarks>
/// Concurrency: ConcurrentMessageLimit = 1, one message at a time and in order, as our listener's default
/// (concurrency 1). It is the knob MassTransit documents for this (prefetch left to its default; on the in-memory
/// transport the limit is the endpoint's executor concurrency). No logging provider is registered, as in the
/// other peers' hosts, so nothing is logged. Unlike our local queue (bounded at 1,024) MassTransit's in-memory
/// queue is unbounded: a publish never waits for the consumer.
/// </remarks>
public partial class LocalThroughputBenchmarks
{
    private const string MassTransitQueue = "bench-local-masstransit";
    private static readonly MassTransitOrder MassTransitMessage = new(42, "ada", 99.95m);

    private readonly Counter _massTransitCounter = new();
    private IHost? _massTransit;
    private IBus? _massTransitBus;

    // Started once: a bus per iteration would measure its start-up, not its throughput.
    [GlobalSetup(Targets = [nameof(MassTransit_awaited), nameof(MassTransit_batched)])]
    public async Task SetupMassTransitAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(_massTransitCounter);

        // Start returns once the bus is consuming, and stop once it stopped: otherwise a bus still starting
        // outlives its host and consumes with a disposed container.
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = true;
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<MassTransitOrderConsumer>();
            bus.UsingInMemory((context, memory) => memory.ReceiveEndpoint(MassTransitQueue, endpoint =>
            {
                endpoint.ConcurrentMessageLimit = 1;
                endpoint.ConfigureConsumer<MassTransitOrderConsumer>(context);
            }));
        });
        _massTransit = builder.Build();
        await _massTransit.StartAsync();
        _massTransitBus = _massTransit.Services.GetRequiredService<IBus>();
    }

    [GlobalCleanup(Targets = [nameof(MassTransit_awaited), nameof(MassTransit_batched)])]
    public async Task CleanupMassTransitAsync()
    {
        await _massTransit!.StopAsync();
        _massTransit.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "MassTransit 8.5.12 in-memory: Publish, await each")]
    [BenchmarkCategory(AwaitedSends)]
    public async Task MassTransit_awaited()
    {
        var done = _massTransitCounter.Expect(Events);
        for (var i = 0; i < Events; i++)
        {
            await _massTransitBus!.Publish(MassTransitMessage);
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "MassTransit 8.5.12 in-memory: Publish, 1,000 in flight")]
    [BenchmarkCategory(BatchedSends)]
    public async Task MassTransit_batched()
    {
        var done = _massTransitCounter.Expect(Events);

        // Publish returns a Task already: Task.WhenAll costs one task per batch, nothing per message.
        var publishes = new Task[Batch];
        for (var start = 0; start < Events; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                publishes[i] = _massTransitBus!.Publish(MassTransitMessage);
            }

            await Task.WhenAll(publishes);
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Counts each message, as our listener does.</summary>
    public sealed class MassTransitOrderConsumer(Counter counter) : IConsumer<MassTransitOrder>
    {
        public Task Consume(ConsumeContext<MassTransitOrder> context)
        {
            counter.Hit();
            return Task.CompletedTask;
        }
    }
}
