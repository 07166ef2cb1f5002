using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;

namespace Eventing.Benchmarks.Local;

/// <summary>The same record as <see cref="BenchmarkOrder"/>, for Wolverine.</summary>
public sealed record WolverineOrder(int Number, string Customer, decimal Total);

/// <summary>
/// Wolverine 6 local queues, the same workload: PublishAsync routed to one named local queue whose handler counts
/// each message. A local queue hands the message object over as it is: unlike our local provider, the twin and
/// MassTransit's in-memory transport, nothing is serialized.
/// </summary>
/// <remarks>
/// Concurrency: <c>Sequential()</c>, one message at a time and in order, as our listener's default (concurrency 1);
/// a Wolverine local queue otherwise runs several in parallel. The queue stays buffered in memory (Wolverine's
/// default, no durable inbox: ours is not durable either) and, unlike our local queue bounded at 1,024, unbounded.
/// No logging provider is registered, so nothing is logged.
/// </remarks>
public partial class LocalThroughputBenchmarks
{
    private const string WolverineQueue = "bench-local-wolverine";
    private static readonly WolverineOrder WolverineMessage = new(42, "ada", 99.95m);

    private readonly Counter _wolverineCounter = new();
    private IHost? _wolverine;
    private IMessageBus? _wolverineBus;

    // Started once: a host per iteration would measure its start-up (and its code generation), not its throughput.
    [GlobalSetup(Targets = [nameof(Wolverine_awaited), nameof(Wolverine_batched)])]
    public async Task SetupWolverineAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(_wolverineCounter);
        builder.Services.AddWolverine(wolverine =>
        {
            wolverine.UseRuntimeCompilation();
            wolverine.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverineOrderHandler));

            // An explicit route: the message goes to this queue only, not also to the handler's conventional one.
            wolverine.PublishMessage<WolverineOrder>().ToLocalQueue(WolverineQueue);
            wolverine.LocalQueue(WolverineQueue).Sequential();
        });
        _wolverine = builder.Build();
        await _wolverine.StartAsync();
        _wolverineBus = _wolverine.Services.GetRequiredService<IMessageBus>();
    }

    [GlobalCleanup(Targets = [nameof(Wolverine_awaited), nameof(Wolverine_batched)])]
    public async Task CleanupWolverineAsync()
    {
        await _wolverine!.StopAsync();
        _wolverine.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Wolverine 6.62 local queue: PublishAsync, await each")]
    [BenchmarkCategory(AwaitedSends)]
    public async Task Wolverine_awaited()
    {
        var done = _wolverineCounter.Expect(Events);
        for (var i = 0; i < Events; i++)
        {
            await _wolverineBus!.PublishAsync(WolverineMessage);
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Benchmark(OperationsPerInvoke = Events, Description = "Wolverine 6.62 local queue: PublishAsync, 1,000 in flight")]
    [BenchmarkCategory(BatchedSends)]
    [SuppressMessage("Reliability", "CA2012:Use ValueTasks correctly", Justification = "Each send is stored once and awaited once, by WhenAllAsync.")]
    public async Task Wolverine_batched()
    {
        var done = _wolverineCounter.Expect(Events);
        var publishes = new ValueTask[Batch];
        for (var start = 0; start < Events; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                publishes[i] = _wolverineBus!.PublishAsync(WolverineMessage);
            }

            await WhenAllAsync(publishes);
        }

        await done.WaitAsync(TimeSpan.FromMinutes(2));
    }
}

/// <summary>Counts each message, as our listener does.</summary>
public static class WolverineOrderHandler
{
    public static void Handle(WolverineOrder message, LocalThroughputBenchmarks.Counter counter) => counter.Hit();
}
