using Eventing.Providers;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Inspection;

/// <summary>What <c>eventing topology</c> prints for the STOMP provider, through <see cref="IProviderInspector"/>.</summary>
public class DescribeTopologyTests
{
    private static readonly ListenerDescriptor Billing = new(new EventDescriptor("orders.placed"), "billing.eu", perProcess: false, "host-1");

    [Fact]
    public async Task Before_start_an_auto_topology_describes_every_kind_of_broker_it_could_be()
    {
        await using var provider = new StompProvider(new StompProviderOptions());

        var rows = provider.DescribeTopology(Billing);

        (string Broker, string Role, string Name, string Details)[] expected =
            [
                ("stomp/activemq", TopologyEntry.Address, "/topic/VirtualTopic.orders.placed", ""),
                ("stomp/activemq", TopologyEntry.Queue, "/queue/Consumer.billing_2Eeu.VirtualTopic.orders.placed", ""),
                ("stomp/activemq", TopologyEntry.DeadLetterQueue, "/queue/orders.placed::billing.eu.dead-letter", ""),
                ("stomp/rabbitmq", TopologyEntry.Address, "/topic/orders.placed", ""),
                ("stomp/rabbitmq", TopologyEntry.Queue, "/topic/orders.placed", "SUBSCRIBE headers x-queue-name:orders.placed::billing.eu, durable:true, auto-delete:false"),
                ("stomp/rabbitmq", TopologyEntry.DeadLetterQueue, "/queue/orders.placed::billing.eu.dead-letter", ""),
                ("stomp/artemis", TopologyEntry.Address, "orders.placed", "SEND headers destination-type:MULTICAST"),
                ("stomp/artemis", TopologyEntry.Queue, "orders.placed::orders.placed::billing.eu", "SUBSCRIBE headers subscription-type:MULTICAST"),
                ("stomp/artemis", TopologyEntry.DeadLetterQueue, "orders.placed::billing.eu.dead-letter", "SEND headers destination-type:ANYCAST"),
            ];
        Assert.Equal(expected, rows.Select(row => (row.Broker, row.Role, row.Name, row.Details)));
    }

    [Fact]
    public async Task A_configured_topology_is_described_alone_with_its_queue_type()
    {
        await using var provider = new StompProvider(new StompProviderOptions { Topology = StompTopologyKind.RabbitMq, QueueType = StompQueueType.Quorum });

        var rows = provider.DescribeTopology(Billing);

        Assert.All(rows, row => Assert.Equal("stomp/rabbitmq", row.Broker));
        Assert.Equal(3, rows.Count);
        Assert.Contains("x-queue-type:quorum", rows[1].Details, StringComparison.Ordinal);
        Assert.Equal("SEND headers x-queue-type:quorum, durable:true, auto-delete:false", rows[2].Details);
    }

    [Theory]
    [InlineData("activemq")]
    [InlineData("rabbitmq")]
    public async Task After_start_only_the_detected_kind_is_described(string broker)
    {
        await using var provider = await StartProviderAsync(broker);

        var rows = provider.DescribeTopology(Billing);

        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal("stomp/" + broker, row.Broker));
        Assert.Equal(new[] { TopologyEntry.Address, TopologyEntry.Queue, TopologyEntry.DeadLetterQueue }, rows.Select(row => row.Role));
        Assert.Equal(provider.Topology.Subscription(Billing).Destination, rows[1].Name);
    }
}
