using Eventing.Providers;
using Eventing.RabbitMq.Topology;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.RabbitMq.Tests.Topology;

/// <summary>docs/topology.md for RabbitMQ, without a broker.</summary>
public sealed class RabbitMqTopologyTests
{
    private static readonly EventDescriptor OrdersPlaced = new("orders.placed", durable: true);

    [Fact]
    public void The_routing_key_is_the_event_name() =>
        Assert.Equal("orders.placed", RabbitMqTopology.RoutingKey(OrdersPlaced));

    [Fact]
    public void A_listener_queue_is_event_and_listener_and_its_dead_letter_queue_appends_dead_letter()
    {
        var listener = new ListenerDescriptor(OrdersPlaced, "billing", perProcess: false, processId: "p1");
        Assert.Equal("orders.placed::billing", RabbitMqTopology.QueueName(listener));
        Assert.Equal("orders.placed::billing.dead-letter", RabbitMqTopology.DeadLetterQueueName(listener));
    }

    [Theory]
    [InlineData(RabbitMqQueueType.Classic)]
    [InlineData(RabbitMqQueueType.Quorum)]
    public void A_shared_listener_queue_is_durable_and_of_the_configured_type(RabbitMqQueueType type)
    {
        var queue = RabbitMqTopology.ListenerQueue(new ListenerDescriptor(OrdersPlaced, "billing", false, "p1"), type);
        Assert.True(queue.Durable);
        Assert.False(queue.Exclusive);
        Assert.False(queue.AutoDelete);
        Assert.Equal(type, queue.Type);
    }

    [Fact]
    public void A_per_process_queue_is_an_exclusive_classic_queue_named_after_the_process_even_when_quorum_is_configured()
    {
        var listener = new ListenerDescriptor(OrdersPlaced, "cache", perProcess: true, processId: "42-abc");
        var queue = RabbitMqTopology.ListenerQueue(listener, RabbitMqQueueType.Quorum);
        Assert.Equal("orders.placed::cache-42-abc", queue.Name);
        Assert.True(queue.Exclusive);
        Assert.True(queue.AutoDelete);
        Assert.False(queue.Durable);
        Assert.Equal(RabbitMqQueueType.Classic, queue.Type);
    }

    [Fact]
    public void Dead_letter_queues_are_durable_also_for_per_process_listeners()
    {
        var queue = RabbitMqTopology.DeadLetterQueue(new ListenerDescriptor(OrdersPlaced, "cache", true, "42"), RabbitMqQueueType.Quorum);
        Assert.Equal("orders.placed::cache-42.dead-letter", queue.Name);
        Assert.True(queue.Durable);
        Assert.False(queue.Exclusive);
        Assert.Equal(RabbitMqQueueType.Quorum, queue.Type);
    }

    [Fact]
    public void Quorum_queues_are_declared_with_x_queue_type_and_classic_ones_without_arguments()
    {
        Assert.Equal("quorum", RabbitMqTopology.Arguments(RabbitMqQueueType.Quorum)!["x-queue-type"]);
        Assert.Null(RabbitMqTopology.Arguments(RabbitMqQueueType.Classic));
    }

    [Theory]
    [InlineData(null, 1, 50)]
    [InlineData(null, 4, 100)]
    [InlineData(7, 4, 7)]
    [InlineData(1, 8, 1)]
    [InlineData(500, 1, 100)]
    public async Task A_listeners_prefetch_is_its_own_when_set_otherwise_concurrency_times_prefetch_per_concurrency_and_at_most_MaxPrefetch(int? prefetch, int concurrency, int expected)
    {
        await using var provider = new RabbitMqProvider(new RabbitMqProviderOptions(), NullLoggerFactory.Instance);
        var listener = new ListenerDescriptor(OrdersPlaced, "billing", perProcess: false, processId: "p1", concurrency) { Prefetch = prefetch };
        Assert.Equal(expected, provider.Prefetch(listener));
    }

    [Fact]
    public async Task The_topology_names_the_exchange_the_listener_queue_and_its_dead_letter_queue()
    {
        await using var provider = new RabbitMqProvider(new RabbitMqProviderOptions { ExchangeName = "orders" }, NullLoggerFactory.Instance);

        var rows = provider.DescribeTopology(new ListenerDescriptor(OrdersPlaced, "billing", perProcess: false, processId: "p1"));

        Assert.Equal(
        [
            new TopologyEntry("rabbitmq", TopologyEntry.Address, "orders", "topic exchange, routing key orders.placed"),
            new TopologyEntry("rabbitmq", TopologyEntry.Queue, "orders.placed::billing", "durable, bound to orders with key orders.placed"),
            new TopologyEntry("rabbitmq", TopologyEntry.DeadLetterQueue, "orders.placed::billing.dead-letter", "durable, through the default exchange"),
        ], rows);
    }

    [Fact]
    public async Task The_topology_of_a_per_process_listener_says_its_queue_goes_away_with_the_process()
    {
        await using var provider = new RabbitMqProvider(new RabbitMqProviderOptions(), NullLoggerFactory.Instance);

        var rows = provider.DescribeTopology(new ListenerDescriptor(OrdersPlaced, "cache", perProcess: true, processId: "42"));

        Assert.Equal(new TopologyEntry("rabbitmq", TopologyEntry.Queue, "orders.placed::cache-42", "exclusive, auto-delete (goes away with the process)"), rows[1]);
        Assert.Equal("orders.placed::cache-42.dead-letter", rows[2].Name);
    }

    [Fact]
    public void Endpoints_in_messages_mask_the_password() =>
        Assert.Equal("amqp://guest:***@127.0.0.1:5672/", Hosting.RabbitMqEndpoint.Describe(new Uri("amqp://guest:secret@127.0.0.1/"), null));

    [Fact]
    public void Invalid_options_fail_validation_naming_the_option()
    {
        var result = new Hosting.RabbitMqProviderOptionsValidator().Validate(null, new RabbitMqProviderOptions
        {
            Uri = new Uri("http://127.0.0.1/"),
            SendTimeout = TimeSpan.Zero,
            PrefetchPerConcurrency = 0,
        });
        Assert.True(result.Failed);
        Assert.Contains("RabbitMqProviderOptions.Uri", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("RabbitMqProviderOptions.SendTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("RabbitMqProviderOptions.PrefetchPerConcurrency", result.FailureMessage, StringComparison.Ordinal);
    }
}
