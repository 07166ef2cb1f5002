using Eventing.Amqp.Hosting;
using Eventing.Amqp.Topology;

namespace Eventing.Amqp.Tests.Unit;

public sealed class TopologyTests
{
    private static readonly EventDescriptor Placed = new("orders.placed", durable: true);
    private static readonly ListenerDescriptor Billing = new(Placed, "billing", perProcess: false, processId: "p1");
    private static readonly ListenerDescriptor Audit = new(Placed, "audit", perProcess: true, processId: "4711-ab");

    [Fact]
    public void RabbitMq_sends_to_amq_topic_with_the_event_name_as_routing_key()
    {
        var target = AmqpTopology.RabbitMq.SendTarget(Placed);
        Assert.Equal("/topic/orders.placed", target.Address);
        Assert.Empty(target.Capabilities);
    }

    [Fact]
    public void RabbitMq_listens_on_the_existing_listener_queue_with_a_durable_terminus()
    {
        var source = AmqpTopology.RabbitMq.ListenSource(Billing);
        Assert.Equal("/amq/queue/orders.placed::billing", source.Address);
        Assert.True(source.Durable);
    }

    [Fact]
    public void RabbitMq_per_process_listeners_use_a_non_durable_terminus_on_their_own_queue()
    {
        var source = AmqpTopology.RabbitMq.ListenSource(Audit);
        Assert.Equal("/amq/queue/orders.placed::audit-4711-ab", source.Address);
        Assert.False(source.Durable);
    }

    [Fact]
    public void RabbitMq_dead_letters_go_to_the_dead_letter_queue_through_the_default_exchange()
    {
        var target = AmqpTopology.RabbitMq.DeadLetterTarget(Billing);
        Assert.Equal("/amq/queue/orders.placed::billing.dead-letter", target.Address);
        Assert.True(target.Durable);
    }

    [Fact]
    public void RabbitMq_with_another_exchange_sends_through_an_exchange_address()
    {
        var topology = new RabbitMqAmqpTopology("events");
        Assert.Equal("/exchange/events/orders.placed", topology.SendTarget(Placed).Address);
        Assert.Equal("/amq/queue/orders.placed::billing", topology.ListenSource(Billing).Address);
    }

    [Fact]
    public void RabbitMq_needs_provisioning_and_the_hint_names_the_package_and_the_call()
    {
        Assert.True(AmqpTopology.RabbitMq.RequiresProvisioning);
        Assert.Contains("Eventing.Amqp.RabbitMq", AmqpTopology.RabbitMq.ProvisioningHint, StringComparison.Ordinal);
        Assert.Contains("UseRabbitMqProvisioning()", AmqpTopology.RabbitMq.ProvisioningHint, StringComparison.Ordinal);
    }

    [Fact]
    public void Artemis_sends_to_the_event_address_as_multicast()
    {
        var target = AmqpTopology.Artemis.SendTarget(Placed);
        Assert.Equal("orders.placed", target.Address);
        Assert.Equal(["topic"], target.Capabilities);
    }

    [Fact]
    public void Artemis_listens_on_the_fully_qualified_queue_name()
    {
        var source = AmqpTopology.Artemis.ListenSource(Billing);
        Assert.Equal("orders.placed::billing", source.Address);
        Assert.Equal(["topic"], source.Capabilities);
        Assert.True(source.Durable);
    }

    [Fact]
    public void Artemis_per_process_listeners_get_a_non_durable_queue_of_their_own()
    {
        var source = AmqpTopology.Artemis.ListenSource(Audit);
        Assert.Equal("orders.placed::audit-4711-ab", source.Address);
        Assert.False(source.Durable);
    }

    [Fact]
    public void Artemis_dead_letters_go_to_an_anycast_address_off_the_event_address()
    {
        var target = AmqpTopology.Artemis.DeadLetterTarget(Billing);
        Assert.Equal("orders.placed.billing.dead-letter", target.Address);
        Assert.DoesNotContain("::", target.Address, StringComparison.Ordinal);
        Assert.Equal(["queue"], target.Capabilities);
        Assert.True(target.Durable);
    }

    [Fact]
    public void Artemis_needs_no_provisioning()
    {
        Assert.False(AmqpTopology.Artemis.RequiresProvisioning);
        Assert.True(new AmqpProviderOptionsValidator().Validate(null, new AmqpProviderOptions { Topology = AmqpTopology.Artemis }).Succeeded);
    }

    [Fact]
    public void Referencing_only_Eventing_Amqp_with_the_RabbitMq_topology_fails_validation_naming_the_package_and_call()
    {
        var result = new AmqpProviderOptionsValidator().Validate(null, new AmqpProviderOptions());
        Assert.True(result.Failed);
        Assert.Contains("AmqpProviderOptions.Provisioner", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Eventing.Amqp.RabbitMq", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("UseRabbitMqProvisioning()", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void UseRabbitMqProvisioning_sets_the_topology_and_a_provisioner()
    {
        var options = new AmqpProviderOptions().UseRabbitMqProvisioning(rabbit => rabbit.ExchangeName = "events");
        Assert.NotNull(options.Provisioner);
        Assert.Equal("/exchange/events/orders.placed", options.Topology.SendTarget(Placed).Address);
        Assert.True(new AmqpProviderOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_user_supplied_topology_is_asked_for_every_address()
    {
        var topology = new PrefixTopology();
        Assert.Equal("events/orders.placed", topology.SendTarget(Placed).Address);
        Assert.Equal("queues/orders.placed::billing", topology.ListenSource(Billing).Address);
        Assert.Equal("queues/orders.placed::billing.dead-letter", topology.DeadLetterTarget(Billing).Address);
        Assert.True(new AmqpProviderOptionsValidator().Validate(null, new AmqpProviderOptions { Topology = topology }).Succeeded);
    }

    [Theory]
    [InlineData("amqp://guest:secret@broker:5672", "amqp://guest:***@broker:5672")]
    [InlineData("amqps://orders:secret@broker", "amqps://orders:***@broker:5671")]
    [InlineData("amqp://broker", "amqp://broker:5672")]
    public void Endpoints_in_logs_and_errors_never_show_the_password(string uri, string expected) =>
        Assert.Equal(expected, AmqpEndpoint.Describe(new Uri(uri), null));

    [Fact]
    public void Invalid_options_are_reported_with_the_option_name_and_allowed_values()
    {
        var options = new AmqpProviderOptions
        {
            Uri = new Uri("http://broker"),
            Topology = AmqpTopology.Artemis,
            SendTimeout = TimeSpan.Zero,
            CreditPerConcurrency = 0,
        };
        var result = new AmqpProviderOptionsValidator().Validate(null, options);
        Assert.Contains("AmqpProviderOptions.Uri", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AmqpProviderOptions.SendTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AmqpProviderOptions.CreditPerConcurrency is 0; it must be between 1 and 10000", result.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class PrefixTopology : AmqpTopology
    {
        public override string Name => "prefix";

        public override AmqpTerminus SendTarget(EventDescriptor @event) => new("events/" + @event.Name);

        public override AmqpTerminus ListenSource(ListenerDescriptor listener) => new("queues/" + listener.Queue, durable: true);

        public override AmqpTerminus DeadLetterTarget(ListenerDescriptor listener) => new("queues/" + listener.DeadLetterQueue, durable: true);
    }
}
