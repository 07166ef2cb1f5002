using Eventing.Stomp.Hosting;
using Eventing.Stomp.Topology;

namespace Eventing.Stomp.Tests.Topology;

public class TopologyTests
{
    private static readonly EventDescriptor Placed = new("orders.placed", durable: true);

    private static ListenerDescriptor Listener(string name, bool perProcess = false) => new(Placed, name, perProcess, "host1-42");

    private static Dictionary<string, string> Headers(StompSubscriptionSpec spec) => spec.Headers.ToDictionary(h => h.Key, h => h.Value);

    [Fact]
    public void ActiveMq_sends_to_the_virtual_topic_and_listens_on_the_consumer_queue()
    {
        var topology = new ActiveMqStompTopology();
        Assert.Equal("/topic/VirtualTopic.orders.placed", topology.SendDestination(Placed));
        var spec = topology.Subscription(Listener("billing"));
        Assert.Equal("/queue/Consumer.billing.VirtualTopic.orders.placed", spec.Destination);
        Assert.Empty(spec.Headers);
        Assert.Equal("activemq.prefetchSize", topology.PrefetchHeader);
        Assert.False(topology.NackRequeues, "a NACK on ActiveMQ goes to ActiveMQ.DLQ");
    }

    [Fact]
    public void ActiveMq_per_process_listeners_subscribe_to_the_topic_itself()
    {
        var spec = new ActiveMqStompTopology().Subscription(Listener("cache", perProcess: true));
        Assert.Equal("/topic/VirtualTopic.orders.placed", spec.Destination);
    }

    [Theory]
    [InlineData("billing", "billing")]
    [InlineData("billing.eu", "billing_2Eeu")]
    [InlineData("a_b", "a_5Fb")]
    [InlineData("a.b_c", "a_2Eb_5Fc")]
    [InlineData("Ünï", "_C3_9Cn_C3_AF")]
    [InlineData("x,y>z", "x_2Cy_3Ez")]
    public void ActiveMq_consumer_names_escape_dots_and_other_separators_reversibly(string name, string escaped)
    {
        Assert.Equal(escaped, ActiveMqStompTopology.EscapeConsumerName(name));
    }

    [Fact]
    public void ActiveMq_escaping_keeps_distinct_names_distinct()
    {
        string[] names = ["a.b", "a_b", "a-b", "ab", "a_2Eb", "a__b"];
        Assert.Equal(names.Length, names.Select(ActiveMqStompTopology.EscapeConsumerName).Distinct().Count());
    }

    [Fact]
    public void ActiveMq_refuses_event_names_it_would_read_as_lists_or_wildcards()
    {
        var exception = Assert.Throws<EventRegistrationException>(() => new ActiveMqStompTopology().SendDestination(new EventDescriptor("a,b")));
        Assert.Contains("a,b", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RabbitMq_uses_amq_topic_and_the_named_durable_queue_of_the_RabbitMq_provider()
    {
        var topology = new RabbitMqStompTopology();
        Assert.Equal("/topic/orders.placed", topology.SendDestination(Placed));
        var spec = topology.Subscription(Listener("billing"));
        Assert.Equal("/topic/orders.placed", spec.Destination);
        Assert.Equal(
            new Dictionary<string, string> { ["x-queue-name"] = "orders.placed::billing", ["durable"] = "true", ["auto-delete"] = "false" },
            Headers(spec));
        Assert.Equal("prefetch-count", topology.PrefetchHeader);
        Assert.True(topology.NackRequeues);
        Assert.Equal("/queue/orders.placed::billing.dead-letter", topology.DeadLetterDestination(Listener("billing")));
    }

    [Fact]
    public void RabbitMq_per_process_queues_are_transient()
    {
        var spec = new RabbitMqStompTopology().Subscription(Listener("cache", perProcess: true));
        Assert.Equal(
            new Dictionary<string, string> { ["x-queue-name"] = "orders.placed::cache-host1-42", ["durable"] = "false", ["auto-delete"] = "true" },
            Headers(spec));
    }

    [Fact]
    public void Artemis_uses_multicast_addresses_and_fully_qualified_queue_names()
    {
        var topology = new ArtemisStompTopology();
        Assert.Equal("orders.placed", topology.SendDestination(Placed));
        Assert.Equal("MULTICAST", topology.SendHeaders.Single(h => h.Key == "destination-type").Value);
        var spec = topology.Subscription(Listener("billing"));
        Assert.Equal("orders.placed::orders.placed::billing", spec.Destination);
        Assert.Equal("MULTICAST", Headers(spec)["subscription-type"]);
        Assert.Equal("orders.placed::orders.placed::cache-host1-42", topology.Subscription(Listener("cache", perProcess: true)).Destination);
        Assert.Equal("orders.placed::billing.dead-letter", topology.DeadLetterDestination(Listener("billing")));
        Assert.Equal("ANYCAST", topology.DeadLetterHeaders.Single(h => h.Key == "destination-type").Value);
        Assert.Null(topology.PrefetchHeader);
    }

    [Theory]
    [InlineData(StompTopologyKind.Auto, "ActiveMQ/5.17.2", StompTopologyKind.ActiveMq)]
    [InlineData(StompTopologyKind.Auto, "RabbitMQ/3.10.8", StompTopologyKind.RabbitMq)]
    [InlineData(StompTopologyKind.Auto, "ActiveMQ-Artemis/2.31.2 ActiveMQ Artemis Messaging Engine", StompTopologyKind.Artemis)]
    [InlineData(StompTopologyKind.RabbitMq, "ActiveMQ/5.17.2", StompTopologyKind.RabbitMq)]
    [InlineData(StompTopologyKind.Artemis, "", StompTopologyKind.Artemis)]
    public void The_option_chooses_the_topology_and_auto_follows_the_server_header(StompTopologyKind option, string server, StompTopologyKind expected)
    {
        Assert.Equal(expected, StompTopology.Create(option, server, "stomp://h:1").Kind);
    }

    [Fact]
    public void Auto_with_an_unknown_server_asks_for_the_option()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => StompTopology.Create(StompTopologyKind.Auto, "Apollo/1.7", "stomp://h:1"));
        Assert.Contains("StompProviderOptions.Topology", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Apollo/1.7", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RabbitMq_quorum_listeners_declare_a_durable_quorum_queue_and_dead_letter_to_one()
    {
        var topology = new RabbitMqStompTopology(StompQueueType.Quorum);

        var headers = Headers(topology.Subscription(Listener("billing")));

        Assert.Equal("quorum", headers["x-queue-type"]);
        Assert.Equal("orders.placed::billing", headers["x-queue-name"]);
        Assert.Equal("true", headers["durable"]);
        Assert.Equal("false", headers["auto-delete"]);
        var deadLetter = topology.DeadLetterHeaders.ToDictionary(h => h.Key, h => h.Value);
        Assert.Equal("quorum", deadLetter["x-queue-type"]);
        Assert.Equal("true", deadLetter["durable"]);
    }

    [Fact]
    public void RabbitMq_quorum_per_process_listeners_keep_a_classic_auto_delete_queue()
    {
        var headers = Headers(new RabbitMqStompTopology(StompQueueType.Quorum).Subscription(Listener("cache", perProcess: true)));

        Assert.False(headers.ContainsKey("x-queue-type"));
        Assert.Equal("true", headers["auto-delete"]);
    }

    [Fact]
    public void RabbitMq_classic_listeners_name_no_queue_type()
    {
        var topology = new RabbitMqStompTopology();

        Assert.False(Headers(topology.Subscription(Listener("billing"))).ContainsKey("x-queue-type"));
        Assert.Empty(topology.DeadLetterHeaders);
    }

    [Fact]
    public void Quorum_queues_on_a_broker_without_them_fail_start_naming_the_option()
    {
        var exception = Assert.Throws<InvalidOperationException>(() =>
            StompTopology.Create(StompTopologyKind.Auto, "ActiveMQ/5.17.6", "stomp://127.0.0.1:61613", StompQueueType.Quorum));

        Assert.Contains("StompProviderOptions.QueueType", exception.Message, StringComparison.Ordinal);
    }
}
