using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wolverine;
using Wolverine.RabbitMQ;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>The same record as <see cref="RabbitMqBenchEvent"/>, for Wolverine.</summary>
public sealed record WolverineBenchEvent(int Seq, string Payload);

/// <summary>
/// Wolverine 6 on the same broker, workload and settings: sends inline (each awaits the broker's confirm, tracked by
/// the client), persistent, batches of 1,000 awaited together, a listener with prefetch 100 handling one at a time.
/// Wolverine marks messages persistent only on its durable (database-backed) endpoints, so the outgoing mapper sets
/// it, as a user who needs persistence without an outbox would.
/// </summary>
public partial class RabbitMqThroughputBenchmarks
{
    private const string WolverineQueue = "bench.wolverine";
    private readonly WolverineArrivals _wolverineArrivals = new();
    private WolverineBenchEvent[] _wolverineRecords = null!;
    private IHost _wolverinePublisher = null!;
    private IHost? _wolverineConsumer;

    [IterationSetup(Target = nameof(Wolverine_end_to_end))]
    public void StartWolverineConsumer() =>
        _wolverineConsumer = StartPeerConsumer(arrivals => _wolverineArrivals.Current = arrivals, () => BuildWolverineHost(_rabbitUri, consume: true));

    [IterationCleanup(Target = nameof(Wolverine_end_to_end))]
    public void StopWolverineConsumer() => StopPeerConsumer(ref _wolverineConsumer);

    [Benchmark(OperationsPerInvoke = Messages, Description = "Wolverine 6.62: PublishAsync inline, 1,000 in flight")]
    [BenchmarkCategory("publish")]
    public Task Wolverine_publish() => PublishAllAsync(_wolverinePublisher.Services.GetRequiredService<IMessageBus>());

    [Benchmark(OperationsPerInvoke = Messages, Description = "Wolverine 6.62: PublishAsync inline 1,000 in flight while a listener handles (prefetch 100, one at a time)")]
    [BenchmarkCategory("end to end")]
    public async Task Wolverine_end_to_end()
    {
        await PublishAllAsync(_wolverineConsumer!.Services.GetRequiredService<IMessageBus>());
        await _arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
    }

    private async Task SetUpWolverineAsync(Uri uri)
    {
        _wolverineRecords = [.. _records.Select(record => new WolverineBenchEvent(record.Seq, record.Payload))];
        _wolverinePublisher = BuildWolverineHost(uri, consume: false);
        await _wolverinePublisher.StartAsync();
    }

    private async Task CleanUpWolverineAsync()
    {
        await _wolverinePublisher.StopAsync();
        _wolverinePublisher.Dispose();
    }

    private IHost BuildWolverineHost(Uri uri, bool consume)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(_wolverineArrivals);
        builder.Services.AddWolverine(wolverine =>
        {
            wolverine.UseRuntimeCompilation();
            wolverine.Discovery.DisableConventionalDiscovery().IncludeType(typeof(WolverineBenchHandler));
            wolverine.UseRabbitMq(factory => factory.Uri = uri)
                .AutoProvision()
                .ConfigureChannelCreation(channel =>
                {
                    channel.PublisherConfirmationsEnabled = true;
                    channel.PublisherConfirmationTrackingEnabled = true;
                });
            wolverine.PublishMessage<WolverineBenchEvent>().ToRabbitQueue(WolverineQueue)
                .SendInline()
                .UseInterop((_, mapper) => mapper.MapOutgoingProperty(envelope => envelope.DeliverBy!, (_, properties) => properties.Persistent = true));
            if (consume)
            {
                var listener = wolverine.ListenToRabbitQueue(WolverineQueue).PreFetchCount(Prefetch);
                if (ConsumerConcurrency == 1)
                {
                    listener.Sequential();
                }
                else
                {
                    listener.MaximumParallelMessages(ConsumerConcurrency);
                }
            }
        });
        return builder.Build();
    }

    private async Task PublishAllAsync(IMessageBus bus)
    {
        var sends = new Task[Batch];
        for (var start = 0; start < Messages; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                sends[i] = bus.PublishAsync(_wolverineRecords[start + i]).AsTask();
            }

            await Task.WhenAll(sends);
        }
    }

    /// <summary>Where the Wolverine handler reports arrivals: the current iteration's counter.</summary>
    public sealed class WolverineArrivals
    {
        internal Arrivals? Current { get; set; }
    }
}

/// <summary>Counts each message, as the other consumers do.</summary>
public static class WolverineBenchHandler
{
    public static void Handle(WolverineBenchEvent message, RabbitMqThroughputBenchmarks.WolverineArrivals arrivals) => arrivals.Current?.Arrived();
}
