using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.Benchmarks.RabbitMq;

[Event("bench.rabbitmq", Durable = true)]
public sealed record RabbitMqBenchEvent(int Seq, string Payload);

/// <summary>
/// Durable throughput on the test RabbitMQ, our provider against the fastest idiomatic use of RabbitMQ.Client 7 in the
/// same run: <see cref="Messages"/> persistent ~100-byte messages with publisher confirms, sent in batches of
/// <see cref="Batch"/> whose confirms are awaited together (the client's own confirmation tracking, no limiter in
/// front of it), consumed with prefetch <see cref="Prefetch"/> and one ack per message by a consumer that runs while
/// the messages are published. One operation is one message: Mean is time per message, Allocated is bytes per message
/// (both sides of the process: publisher and consumer), Ratio is ours / raw in time (throughput ratio = 1 / Ratio).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*RabbitMqThroughput*'</c>.</remarks>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public partial class RabbitMqThroughputBenchmarks
{
    public const int Messages = 20_000;
    public const int AwaitEachMessages = 1_000;
    private const int Batch = 1_000;
    private const ushort Prefetch = 100;
    private const string RawQueue = "bench.rabbitmq.raw";
    private const string RawKey = "bench.rabbitmq.raw";
    private const string ListenerName = "bench";
    private const string OurQueue = "bench.rabbitmq::bench";

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private Uri _rabbitUri = null!;
    private IConnection _raw = null!;
    private IChannel _rawPublisher = null!;
    private IChannel _rawConsumer = null!;
    private IChannel _admin = null!;
    private string? _rawConsumerTag;
    private Microsoft.Extensions.Hosting.IHost _host = null!;
    private IEventManager _events = null!;
    private IAsyncDisposable? _subscription;
    private byte[] _rawBody = null!;
    private RabbitMqBenchEvent[] _records = null!;
    private Arrivals _arrivals = new(0);
    private IConnection? _rawConcurrentConnection;
    private Microsoft.Extensions.Hosting.IHost? _concurrentHost;

    /// <summary>
    /// How many messages each end-to-end consumer handles at once (prefetch stays 100 in all): 1 for the
    /// BenchmarkDotNet cases, 1 and 100 in <see cref="RabbitMqCostMeasurement"/>.
    /// </summary>
    internal int ConsumerConcurrency { get; set; } = 1;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        await TestBroker.UpAsync();
        var uri = _rabbitUri = TestBroker.Uri;
        _raw = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync("bench-raw");

        // Confirms tracked by the client, nothing throttling them: each batch is in flight at once and awaited together.
        _rawPublisher = await _raw.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        _admin = await _raw.CreateChannelAsync();
        await _admin.QueueDeclareAsync(RawQueue, durable: true, exclusive: false, autoDelete: false);
        await _admin.QueueBindAsync(RawQueue, "amq.topic", RawKey);

        // ~100 bytes of JSON, as the reference workload; the raw client sends the very same bytes.
        _records = new RabbitMqBenchEvent[Messages];
        for (var i = 0; i < Messages; i++)
        {
            _records[i] = new RabbitMqBenchEvent(i, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        }

        _rawBody = JsonSerializer.SerializeToUtf8Bytes(_records[0], WebJson);

        _host = await StartOurHostAsync(repeatNativeProperties: false);
        _events = _host.Services.GetRequiredService<IEventManager>();
        await SetUpPeersAsync(uri);
    }

    /// <summary>A started host with our provider on the benchmark's broker and settings.</summary>
    internal async Task<Microsoft.Extensions.Hosting.IHost> StartOurHostAsync(bool repeatNativeProperties, int concurrency = 1, ContentMode contentMode = ContentMode.Binary)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => events.Provision<RabbitMqBenchEvent>(ListenerName).Configure(eventing =>
        {
            eventing.DefaultConcurrency = concurrency;
            eventing.DefaultContentMode = contentMode;
        }).UseRabbitMq(rabbit =>
        {
            rabbit.Uri = _rabbitUri;
            rabbit.MaxOutstandingConfirms = Batch;
            rabbit.PrefetchPerConcurrency = Math.Max(1, Prefetch / concurrency);
            rabbit.RepeatNativePropertiesInHeaders = repeatNativeProperties;
        }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [IterationSetup(Targets = [nameof(Raw_publish), nameof(Eventing_publish), nameof(Raw_await_each_send), nameof(Eventing_await_each_send), nameof(MassTransit_publish), nameof(Wolverine_publish)])]
    public void Purge()
    {
        foreach (var queue in (string[])[RawQueue, OurQueue, MassTransitQueue, WolverineQueue])
        {
            // A channel per queue: a peer declares its queue on first use, and purging one not there yet closes the channel.
            using var channel = _raw.CreateChannelAsync().GetAwaiter().GetResult();
            try
            {
                channel.QueuePurgeAsync(queue).GetAwaiter().GetResult();
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                // Nothing to purge.
            }
        }
    }

    // The consumers run for the whole iteration, started before the first send: publishing and consuming overlap.
    [IterationSetup(Target = nameof(Raw_end_to_end))]
    public void StartRawConsumer()
    {
        Purge();
        _arrivals = new Arrivals(Messages);
        var connection = _raw;
        if (ConsumerConcurrency > 1)
        {
            // The client's dispatch concurrency is a connection setting.
            connection = _rawConcurrentConnection = new ConnectionFactory { Uri = _rabbitUri, ConsumerDispatchConcurrency = (ushort)ConsumerConcurrency }
                .CreateConnectionAsync("bench-raw-concurrent").GetAwaiter().GetResult();
        }

        _rawConsumer = connection.CreateChannelAsync().GetAwaiter().GetResult();
        var channel = _rawConsumer;
        channel.BasicQosAsync(0, Prefetch, false).GetAwaiter().GetResult();
        var consumer = new AsyncEventingBasicConsumer(channel);
        var arrivals = _arrivals;
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // The same work a provider must do: own the body beyond the callback, then ack.
            _ = delivery.Body.ToArray();
            await channel.BasicAckAsync(delivery.DeliveryTag, false);
            arrivals.Arrived();
        };
        _rawConsumerTag = channel.BasicConsumeAsync(RawQueue, autoAck: false, consumer).GetAwaiter().GetResult();
    }

    [IterationCleanup(Target = nameof(Raw_end_to_end))]
    public void StopRawConsumer()
    {
        _rawConsumer.BasicCancelAsync(_rawConsumerTag!).GetAwaiter().GetResult();
        _rawConsumer.CloseAsync().GetAwaiter().GetResult();
        _rawConsumer.Dispose();
        if (_rawConcurrentConnection is { } concurrent)
        {
            concurrent.CloseAsync().GetAwaiter().GetResult();
            concurrent.Dispose();
            _rawConcurrentConnection = null;
        }
    }

    [IterationSetup(Target = nameof(Eventing_end_to_end))]
    public void StartOurListener()
    {
        Purge();
        _arrivals = new Arrivals(Messages);
        var arrivals = _arrivals;
        var events = _events;
        if (ConsumerConcurrency > 1)
        {
            _concurrentHost ??= StartOurHostAsync(repeatNativeProperties: false, ConsumerConcurrency).GetAwaiter().GetResult();
            events = _concurrentHost.Services.GetRequiredService<IEventManager>();
        }

        _subscription = events.SubscribeAsync<RabbitMqBenchEvent>(ListenerName, (_, _, _) =>
        {
            arrivals.Arrived();
            return default;
        }).AsTask().GetAwaiter().GetResult();
    }

    [IterationCleanup(Target = nameof(Eventing_end_to_end))]
    public void StopOurListener() => _subscription!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        // No run leaves 20,000 persistent messages behind.
        Purge();
        await CleanUpPeersAsync();
        if (_concurrentHost is not null)
        {
            await _concurrentHost.StopAsync();
            _concurrentHost.Dispose();
        }

        await _host.StopAsync();
        _host.Dispose();
        await _admin.QueueDeleteAsync(RawQueue);
        await _raw.CloseAsync();
        _raw.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "raw RabbitMQ.Client: publish, 1,000 in flight")]
    [BenchmarkCategory("publish")]
    public Task Raw_publish() => RawPublishAllAsync();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Eventing.RabbitMq: SendAsync, 1,000 in flight")]
    [BenchmarkCategory("publish")]
    public Task Eventing_publish() => SendAllAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "raw RabbitMQ.Client: publish 1,000 in flight while consuming (prefetch 100, ack each)")]
    [BenchmarkCategory("end to end")]
    public async Task Raw_end_to_end()
    {
        await RawPublishAllAsync();
        await _arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "Eventing.RabbitMq: SendAsync 1,000 in flight while a listener consumes (prefetch 100, ack each)")]
    [BenchmarkCategory("end to end")]
    public async Task Eventing_end_to_end()
    {
        await SendAllAsync();
        await _arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = AwaitEachMessages, Description = "raw RabbitMQ.Client: publish, await each confirm")]
    [BenchmarkCategory("await each")]
    public async Task Raw_await_each_send()
    {
        var properties = RawProperties();
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _rawPublisher.BasicPublishAsync("amq.topic", RawKey, false, properties, _rawBody);
        }
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages, Description = "Eventing.RabbitMq: SendAsync, await each")]
    [BenchmarkCategory("await each")]
    public async Task Eventing_await_each_send()
    {
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _events.SendAsync(_records[i]);
        }
    }

    private Task RawPublishAllAsync() => RawPublishAllAsync(RawProperties());

    /// <summary>What the raw client sends beside the body: persistent, and the content type.</summary>
    internal static BasicProperties RawProperties() => new() { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/json" };

    /// <summary>The raw publish loop with the given properties: what a header set costs, apart from the rest of a stack.</summary>
    internal async Task RawPublishAllAsync(BasicProperties properties, CancellationToken cancellationToken = default)
    {
        var sends = new Task[Batch];
        for (var start = 0; start < Messages; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                sends[i] = _rawPublisher.BasicPublishAsync("amq.topic", RawKey, false, properties, _rawBody, cancellationToken).AsTask();
            }

            await Task.WhenAll(sends);
        }
    }

    /// <summary>The properties and headers our provider writes for the benchmark's event, read back from the broker.</summary>
    internal async Task<BasicProperties> CaptureOurPropertiesAsync()
    {
        Purge();
        await _events.SendAsync(_records[0]);
        var sample = await _admin.BasicGetAsync(OurQueue, autoAck: true)
            ?? throw new InvalidOperationException($"The event sent to capture its properties did not reach {OurQueue}.");
        return new BasicProperties(sample.BasicProperties);
    }

    private Task SendAllAsync() => SendAllAsync(_events);

    /// <summary>Sends the benchmark's records through <paramref name="events"/>, 1,000 in flight.</summary>
    internal async Task SendAllAsync(IEventManager events)
    {
        var sends = new Task[Batch];
        for (var start = 0; start < Messages; start += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                sends[i] = events.SendAsync(_records[start + i]).AsTask();
            }

            await Task.WhenAll(sends);
        }
    }

    /// <summary>Counts a run's deliveries; completes when all arrived.</summary>
    internal sealed class Arrivals(int expected)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task All => expected == 0 ? Task.CompletedTask : _all.Task;

        public void Arrived()
        {
            if (Interlocked.Increment(ref _count) == expected)
            {
                _all.TrySetResult();
            }
        }
    }
}
