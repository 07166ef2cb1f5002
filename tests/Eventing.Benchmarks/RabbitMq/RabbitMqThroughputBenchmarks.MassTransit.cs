using BenchmarkDotNet.Attributes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>The same record as <see cref="RabbitMqBenchEvent"/>, for MassTransit (which names exchanges by type).</summary>
public sealed record MassTransitBenchEvent(int Seq, string Payload);

/// <summary>
/// MassTransit 8 on the same broker, workload and settings: persistent publishes with publisher confirms (its
/// defaults), batches of 1,000 awaited together, a receive endpoint with prefetch 100 and one message at a time.
/// </summary>
public partial class RabbitMqThroughputBenchmarks
{
    private const string MassTransitQueue = "bench.masstransit";
    private readonly MassTransitArrivals _massTransitArrivals = new();
    private MassTransitBenchEvent[] _massTransitRecords = null!;
    private IHost _massTransitPublisher = null!;
    private IHost? _massTransitConsumer;

    [IterationSetup(Target = nameof(MassTransit_end_to_end))]
    public void StartMassTransitConsumer() =>
        _massTransitConsumer = StartPeerConsumer(arrivals => _massTransitArrivals.Current = arrivals, () => BuildMassTransitHost(_rabbitUri, consume: true));

    [IterationCleanup(Target = nameof(MassTransit_end_to_end))]
    public void StopMassTransitConsumer() => StopPeerConsumer(ref _massTransitConsumer);

    [Benchmark(OperationsPerInvoke = Messages, Description = "MassTransit 8.5.12: Publish, 1,000 in flight")]
    [BenchmarkCategory("publish")]
    public Task MassTransit_publish() => PublishAllAsync(_massTransitPublisher.Services.GetRequiredService<IBus>());

    [Benchmark(OperationsPerInvoke = Messages, Description = "MassTransit 8.5.12: Publish 1,000 in flight while a consumer consumes (prefetch 100, one at a time)")]
    [BenchmarkCategory("end to end")]
    public async Task MassTransit_end_to_end()
    {
        await PublishAllAsync(_massTransitConsumer!.Services.GetRequiredService<IBus>());
        await _arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
    }

    private async Task SetUpPeersAsync(Uri uri)
    {
        _massTransitRecords = [.. _records.Select(record => new MassTransitBenchEvent(record.Seq, record.Payload))];

        // Started once with its receive endpoint to declare the queue and its binding, then publish-only.
        using (var declaring = BuildMassTransitHost(uri, consume: true))
        {
            await declaring.StartAsync();
            await declaring.StopAsync();
        }

        _massTransitPublisher = BuildMassTransitHost(uri, consume: false);
        await _massTransitPublisher.StartAsync();
        await SetUpWolverineAsync(uri);
    }

    private async Task CleanUpPeersAsync()
    {
        await CleanUpWolverineAsync();
        await _massTransitPublisher.StopAsync();
        _massTransitPublisher.Dispose();
    }

    private IHost BuildMassTransitHost(Uri uri, bool consume)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(_massTransitArrivals);

        // Start returns once the bus is connected and consuming, and stop once it stopped: otherwise a bus still
        // starting outlives its host and consumes with a disposed container.
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = true;
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(bus =>
        {
            if (consume)
            {
                bus.AddConsumer<MassTransitBenchConsumer>();
            }

            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri($"rabbitmq://{uri.Host}:{uri.Port}/"), host =>
                {
                    var credentials = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
                    host.Username(credentials[0]);
                    host.Password(credentials[1]);
                    host.PublisherConfirmation = true;
                });
                if (consume)
                {
                    rabbit.ReceiveEndpoint(MassTransitQueue, endpoint =>
                    {
                        endpoint.PrefetchCount = Prefetch;
                        endpoint.ConcurrentMessageLimit = ConsumerConcurrency;
                        endpoint.ConfigureConsumer<MassTransitBenchConsumer>(context);
                    });
                }
            });
        });
        return builder.Build();
    }

    // A peer's consumer runs for one iteration, started before its first publish, so publishing and consuming overlap.
    private IHost StartPeerConsumer(Action<Arrivals> register, Func<IHost> build)
    {
        Purge();
        register(_arrivals = new Arrivals(Messages));
        var host = build();
        host.StartAsync().GetAwaiter().GetResult();
        return host;
    }

    private static void StopPeerConsumer(ref IHost? host)
    {
        host!.StopAsync().GetAwaiter().GetResult();
        host.Dispose();
        host = null;
    }

    private async Task PublishAllAsync(IBus bus)
    {
        var sends = new Task[Batch];
        for (var start = 0; start < Messages; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                sends[i] = bus.Publish(_massTransitRecords[start + i]);
            }

            await Task.WhenAll(sends);
        }
    }

    /// <summary>Where the MassTransit consumer reports arrivals: the current iteration's counter.</summary>
    public sealed class MassTransitArrivals
    {
        internal Arrivals? Current { get; set; }
    }

    /// <summary>Counts each message, as the other consumers do.</summary>
    public sealed class MassTransitBenchConsumer(MassTransitArrivals arrivals) : IConsumer<MassTransitBenchEvent>
    {
        public Task Consume(ConsumeContext<MassTransitBenchEvent> context)
        {
            arrivals.Current?.Arrived();
            return Task.CompletedTask;
        }
    }
}
