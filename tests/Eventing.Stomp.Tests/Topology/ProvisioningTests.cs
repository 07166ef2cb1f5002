using Eventing.Stomp.Tests.Integration;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Topology;

/// <summary>Queues declared without consuming them (<c>events.Provision</c>): STOMP has no declare frame, so the provider subscribes and unsubscribes.</summary>
public class ProvisioningTests
{
    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task An_event_sent_after_provisioning_and_before_any_listener_subscribed_is_delivered_once_it_subscribes(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("provisioned"), durable: true);
        var listener = Listener(@event, "provisioned");
        await provider.ProvisionAsync(listener, CancellationToken.None);
        var first = NewEnvelope(@event.Name, "{\"n\":1}");
        await provider.SendAsync(first, @event, CancellationToken.None);

        // Idempotent: provisioning again changes nothing, and on ActiveMQ (a selector nothing matches) takes nothing.
        await provider.ProvisionAsync(listener, CancellationToken.None);
        var second = NewEnvelope(@event.Name, "{\"n\":2}");
        await provider.SendAsync(second, @event, CancellationToken.None);

        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(listener, collector, CancellationToken.None);
        var one = await collector.NextAsync();
        var two = await collector.NextAsync();
        Assert.Equal(new[] { first.Id, second.Id }, new[] { one.Envelope.Id, two.Envelope.Id });
        if (broker == "activemq")
        {
            Assert.False(one.Envelope.Redelivered || two.Envelope.Redelivered, "provisioning took a message from the queue");
        }

        await one.AckAsync(CancellationToken.None);
        await two.AckAsync(CancellationToken.None);
    }
}
