using Amqp;
using Amqp.Framing;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Eventing.Amqp;
using Eventing.Benchmarks.RabbitMq;
using Eventing.Providers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Benchmarks.Amqp;

/// <summary>
/// Durable end-to-end throughput over AMQP 1.0 on the test RabbitMQ: a receiver is attached (credit
/// <see cref="Credit"/>, accept each), then <see cref="Messages"/> persistent ~100-byte messages are sent unsettled
/// with at most <see cref="InFlight"/> awaiting their disposition; an operation ends when the last message was
/// received; raw sends the same message our provider writes (the docs/wire.md properties and attributes). Our provider (below the core: <see cref="IProvider"/> with a handler that acknowledges) and raw
/// AMQPNetLite 2.5.5 do the same in the same run. One operation is one message, so Mean is time per message and
/// Ratio is ours / raw in time (throughput ratio = 1 / Ratio). <see cref="Provider_await_each"/> awaits every send
/// before the next (the disk-sync-bound figure).
/// </summary>
/// <remarks>
/// Run (needs <c>eng/brokers.sh up</c>):
/// <c>dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*AmqpThroughput*'</c>.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(MessagesPerSecondConfig))]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class AmqpThroughputBenchmarks
{
    public const int Messages = 10_000;
    public const int AwaitEachMessages = 1_000;
    public const int InFlight = 1_000;
    public const int Credit = 100;

    // A lost message fails the benchmark instead of leaving it waiting for ever.
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(2);

    private static readonly byte[] Body = new byte[100];

    private readonly EventDescriptor _providerEvent = new("bench.amqp.provider", durable: true);
    private readonly EventDescriptor _rawEvent = new("bench.amqp.raw", durable: true);
    private AmqpProvider _provider = null!;
    private CountingHandler _handler = null!;
    private IProviderSubscription _subscription = null!;
    private Connection _rawConnection = null!;
    private Session _rawSendSession = null!;
    private Session _rawReceiveSession = null!;
    private SenderLink _rawSender = null!;
    private ReceiverLink _rawReceiver = null!;
    private RawCounter _rawCounter = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var uri = new Uri(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_AMQP10_URI") ?? "amqp://guest:guest@127.0.0.1:5672");
        var options = new AmqpProviderOptions { Uri = uri, CreditPerConcurrency = Credit };
        options.UseRabbitMqProvisioning();
        _provider = new AmqpProvider(options, NullLoggerFactory.Instance);
        await _provider.StartAsync(CancellationToken.None);
        _handler = new CountingHandler();
        _subscription = await _provider.SubscribeAsync(Listener(_providerEvent), _handler, CancellationToken.None);

        // The raw side uses a queue of the same shape, declared by the same provisioner.
        var rawListener = Listener(_rawEvent);
        await options.Provisioner!.ProvisionListenerAsync(rawListener, CancellationToken.None);
        var factory = new ConnectionFactory();
        _rawConnection = await factory.CreateAsync(new Address(uri.Host, uri.Port, "guest", "guest", "/", "AMQP"));
        _rawSendSession = new Session(_rawConnection);
        _rawReceiveSession = new Session(_rawConnection);
        _rawSender = new SenderLink(_rawSendSession, "bench-raw-send", "/topic/" + _rawEvent.Name);
        _rawCounter = new RawCounter();
        _rawReceiver = new ReceiverLink(_rawReceiveSession, "bench-raw-receive", "/amq/queue/" + rawListener.Queue);
        _rawReceiver.Start(Credit, _rawCounter.OnMessage);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _subscription.StopReceivingAsync(CancellationToken.None);
        await _subscription.DisposeAsync();
        await _provider.DisposeAsync();
        await _rawReceiver.CloseAsync();
        await _rawSender.CloseAsync();
        await _rawConnection.CloseAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public async Task Raw_AMQPNetLite()
    {
        var done = _rawCounter.Expect(Messages);
        using var window = new SemaphoreSlim(InFlight, InFlight);
        var sends = new Task[Messages];
        for (var i = 0; i < Messages; i++)
        {
            await window.WaitAsync();
            sends[i] = SendRawAsync(RawMessage(), window);
        }

        await Task.WhenAll(sends);
        await done.WaitAsync(DeliveryTimeout);
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Provider_end_to_end()
    {
        var done = _handler.Expect(Messages);
        using var window = new SemaphoreSlim(InFlight, InFlight);
        var sends = new Task[Messages];
        for (var i = 0; i < Messages; i++)
        {
            await window.WaitAsync();
            sends[i] = SendThroughProviderAsync(window);
        }

        await Task.WhenAll(sends);
        await done.WaitAsync(DeliveryTimeout);
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages)]
    public async Task Provider_await_each()
    {
        var done = _handler.Expect(AwaitEachMessages);
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _provider.SendAsync(new Envelope(_providerEvent.Name, Body), _providerEvent, CancellationToken.None);
        }

        await done.WaitAsync(DeliveryTimeout);
    }

    private async Task SendRawAsync(Message message, SemaphoreSlim window)
    {
        try
        {
            await _rawSender.SendAsync(message);
        }
        finally
        {
            window.Release();
        }
    }

    private async Task SendThroughProviderAsync(SemaphoreSlim window)
    {
        try
        {
            await _provider.SendAsync(new Envelope(_providerEvent.Name, Body), _providerEvent, CancellationToken.None);
        }
        finally
        {
            window.Release();
        }
    }

    // The same message our provider puts on the wire (docs/wire.md: properties, every attribute as a cloudEvents_
    // application-property, one Data section, durable header), built by hand.
    private Message RawMessage()
    {
        var id = Guid.NewGuid().ToString();
        var properties = new ApplicationProperties();
        var map = properties.Map;
        map["cloudEvents_specversion"] = "1.0";
        map["cloudEvents_id"] = id;
        map["cloudEvents_type"] = _rawEvent.Name;
        map["cloudEvents_source"] = "/eventing";
        map["cloudEvents_time"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        map["cloudEvents_datacontenttype"] = "application/json";
        return new Message
        {
            Header = new Header { Durable = true },
            Properties = new Properties { MessageId = id, ContentType = "application/json" },
            ApplicationProperties = properties,
            BodySection = new Data { Binary = Body },
        };
    }

    private static ListenerDescriptor Listener(EventDescriptor @event) => new(@event, "bench", perProcess: false, processId: "bench");

    /// <summary>The core's part reduced to accepting each delivery and counting it.</summary>
    private sealed class CountingHandler : IDeliveryHandler
    {
        private int _remaining;
        private TaskCompletionSource _done = new();

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public async ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken)
        {
            await delivery.AckAsync(cancellationToken);
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>Raw AMQPNetLite receiving: accept each message on the I/O thread's callback and count it.</summary>
    private sealed class RawCounter
    {
        private int _remaining;
        private TaskCompletionSource _done = new();

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            return _done.Task;
        }

        public void OnMessage(IReceiverLink link, Message message)
        {
            link.Accept(message);
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult();
            }
        }
    }
}
