using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Eventing.Providers;
using Eventing.Stomp;
using Eventing.Stomp.Topology;

namespace Eventing.Benchmarks.Stomp;

/// <summary>
/// Our STOMP provider against a minimal raw-socket STOMP client, on ActiveMQ and RabbitMQ, in one run.
/// Each operation moves <see cref="Messages"/> persistent 100-byte messages; BenchmarkDotNet reports the time
/// per message (msgs/s = 1 / mean). Sends: raw puts a receipt on the last frame only; ours sends durable events
/// with a receipt each, all in flight at once. Consume: prefetch 100, ACK each. Await-each: one durable send at
/// a time, each waiting for its receipt (bound by the broker's disk sync).
/// Run: <c>eng/brokers.sh up &amp;&amp; dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*Stomp*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class StompThroughputBenchmarks
{
    private const int Messages = 10_000;
    private const int AwaitEachMessages = 500;
    private const int Prefetch = 100;
    private static readonly byte[] Body = System.Text.Encoding.UTF8.GetBytes("{\"orderId\":\"00000000-0000-0000-0000-000000000000\",\"total\":12345.67,\"note\":\"benchmark payload....\"}");

    private StompProvider _provider = null!;
    private EventDescriptor _event = null!;
    private ListenerDescriptor _listener = null!;
    private StompSubscriptionSpec _spec = null!;
    private Uri _uri = null!;
    private string _sendDestination = null!;

    [Params("activemq", "rabbitmq")]
    public string Broker { get; set; } = "activemq";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _uri = new Uri(Broker == "rabbitmq" ? "stomp://guest:guest@127.0.0.1:61614" : "stomp://admin:admin@127.0.0.1:61613");
        _provider = new StompProvider(new StompProviderOptions { Uri = _uri, Prefetch = Prefetch, HeartBeat = TimeSpan.Zero });
        await _provider.StartAsync(CancellationToken.None);
        _event = new EventDescriptor("bench.stomp." + Guid.NewGuid().ToString("N")[..8], durable: true);
        _listener = new ListenerDescriptor(_event, "bench", perProcess: false, processId: "p");
        _spec = _provider.Topology.Subscription(_listener);
        _sendDestination = _provider.Topology.SendDestination(_event);

        // Declares the listener's queue, so sends before a consume benchmark land in it.
        await _provider.ProvisionAsync(_listener, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _provider.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }

    [IterationSetup(Targets = [nameof(RawConsume), nameof(OursConsume)])]
    public void Fill() => RawSendAsync(Messages).GetAwaiter().GetResult();

    [IterationCleanup(Targets = [nameof(RawSend), nameof(OursSend), nameof(OursSendAwaitEach), nameof(RawSendAwaitEach)])]
    public void Drain() => RawConsumeAsync(_lastSent).GetAwaiter().GetResult();

    private int _lastSent;

    [Benchmark(OperationsPerInvoke = Messages, Baseline = true)]
    public Task RawSend() => RawSendAsync(Messages);

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task OursSend()
    {
        var sends = new Task[Messages];
        for (var i = 0; i < Messages; i++)
        {
            sends[i] = _provider.SendAsync(new Envelope(_event.Name, Body), _event, CancellationToken.None).AsTask();
        }

        await Task.WhenAll(sends);
        _lastSent = Messages;
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages)]
    public async Task RawSendAwaitEach()
    {
        await using var raw = await RawStomp.ConnectAsync(_uri);
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            raw.Send(_sendDestination, Body, "r");
            await raw.FlushAsync();
            await raw.WaitForReceiptAsync("r");
        }

        _lastSent = AwaitEachMessages;
    }

    [Benchmark(OperationsPerInvoke = AwaitEachMessages)]
    public async Task OursSendAwaitEach()
    {
        for (var i = 0; i < AwaitEachMessages; i++)
        {
            await _provider.SendAsync(new Envelope(_event.Name, Body), _event, CancellationToken.None);
        }

        _lastSent = AwaitEachMessages;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task RawConsume() => RawConsumeAsync(Messages);

    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task OursConsume()
    {
        var counter = new Counter(Messages);
        var subscription = await _provider.SubscribeAsync(_listener, counter, CancellationToken.None);
        await counter.Done.WaitAsync(TimeSpan.FromMinutes(2));
        await subscription.StopReceivingAsync(CancellationToken.None);
        await subscription.DisposeAsync();
    }

    private async Task RawSendAsync(int count)
    {
        await using var raw = await RawStomp.ConnectAsync(_uri);
        for (var i = 0; i < count; i++)
        {
            raw.Send(_sendDestination, Body, i == count - 1 ? "last" : null);
        }

        await raw.FlushAsync();
        await raw.WaitForReceiptAsync("last");
        _lastSent = count;
    }

    private async Task RawConsumeAsync(int count)
    {
        await using var raw = await RawStomp.ConnectAsync(_uri);
        raw.Subscribe(_spec.Destination, _provider.Topology.PrefetchHeader!, Prefetch, _spec.Headers);
        await raw.FlushAsync();
        for (var received = 0; received < count;)
        {
            var (command, _, ack) = await raw.ReadFrameAsync();
            if (command == "MESSAGE")
            {
                raw.Ack(ack!);
                received++;
                await raw.FlushAsync();
            }
        }

        raw.Disconnect();
        await raw.FlushAsync();
    }

    private sealed class Counter(int expected) : IDeliveryHandler
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task Done => _done.Task;

        public async ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken)
        {
            await delivery.AckAsync(cancellationToken);
            if (++_count == expected)
            {
                _done.TrySetResult();
            }
        }
    }
}
