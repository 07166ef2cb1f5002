using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Receiving;
using Eventing.Stomp.Tests.Connections;
using Eventing.Stomp.Tests.Integration;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Receiving;

/// <summary>How many unacknowledged messages the broker may push to a listener: its own Prefetch, else the provider's.</summary>
public class PrefetchTests
{
    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    private static readonly EventDescriptor Placed = new("orders.placed", durable: true);

    [Theory]
    [InlineData(7, 50, 4, 7)]
    [InlineData(null, 50, 4, 50)]
    [InlineData(null, null, 4, 80)]
    [InlineData(null, null, 100, 1000)]
    public void The_listeners_prefetch_wins_over_the_providers_and_the_default_follows_concurrency(int? listener, int? provider, int concurrency, int expected)
    {
        var descriptor = new ListenerDescriptor(Placed, "billing", perProcess: false, "p", concurrency) { Prefetch = listener };

        Assert.Equal(expected, StompSubscription.Prefetch(descriptor, new StompProviderOptions { Prefetch = provider }));
    }

    [Fact]
    public async Task The_subscribe_frame_carries_the_listeners_prefetch()
    {
        await using var server = new FakeStompServer();
        var options = new StompProviderOptions { Uri = server.Uri, HeartBeat = TimeSpan.Zero, Prefetch = 50 };
        var listener = new ListenerDescriptor(Placed, "billing", perProcess: false, "p") { Prefetch = 3 };
        var accept = server.AcceptAsync();
        var subscription = new StompSubscription(listener, new RabbitMqStompTopology(), StompClientSettings.Endpoints(options), options, NullLogger.Instance);
        var start = subscription.StartAsync(CancellationToken.None);
        await accept;

        var subscribe = await server.ReadFrameAsync();
        Assert.Equal(StompCommands.Subscribe, subscribe.Command);
        Assert.Equal("3", subscribe["prefetch-count"]);
        await server.ReceiptAsync(subscribe["receipt"]!);
        await start.WaitAsync(TimeSpan.FromSeconds(10));
        await subscription.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task The_broker_pushes_no_more_unacknowledged_messages_than_the_listeners_prefetch(string broker)
    {
        await using var provider = await StartProviderAsync(broker, o => o.Prefetch = 100);
        var @event = new EventDescriptor(UniqueEvent("prefetch"), durable: true);
        var listener = new ListenerDescriptor(@event, "prefetch", perProcess: false, "p" + Environment.ProcessId) { Prefetch = 2 };
        await provider.ProvisionAsync(listener, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await provider.SendAsync(NewEnvelope(@event.Name, $"{{\"n\":{i}}}"), @event, CancellationToken.None);
        }

        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(listener, collector, CancellationToken.None);
        var first = await collector.NextAsync();
        var second = await collector.NextAsync();

        // Two are out and unacknowledged: a third would have arrived within this window had the broker pushed it.
        await Assert.ThrowsAsync<TimeoutException>(() => collector.NextAsync(TimeSpan.FromSeconds(1)));

        await first.AckAsync(CancellationToken.None);
        var third = await collector.NextAsync();
        await second.AckAsync(CancellationToken.None);
        await third.AckAsync(CancellationToken.None);
        for (var i = 0; i < 2; i++)
        {
            await (await collector.NextAsync()).AckAsync(CancellationToken.None);
        }
    }
}
