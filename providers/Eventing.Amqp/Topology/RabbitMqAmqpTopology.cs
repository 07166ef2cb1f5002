namespace Eventing.Amqp.Topology;

/// <summary>
/// RabbitMQ 3.x, plugin <c>rabbitmq_amqp1_0</c>, v1 address format (docs/topology.md). Everything goes through
/// <c>amq.topic</c> because it always exists and all three protocols reach it, so a listener on this provider
/// shares its queue with a RabbitMq or Stomp listener of the same name.
/// </summary>
internal sealed class RabbitMqAmqpTopology : AmqpTopology
{
    public const string DefaultExchange = "amq.topic";

    private readonly string _sendPrefix;

    public RabbitMqAmqpTopology(string exchange = DefaultExchange)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(exchange);
        Exchange = exchange;

        // `/topic/<key>` is amq.topic; any other topic exchange is reached as `/exchange/<name>/<key>`.
        _sendPrefix = exchange == DefaultExchange ? "/topic/" : $"/exchange/{exchange}/";
    }

    /// <summary>The topic exchange events are sent to, with the event name as routing key.</summary>
    public string Exchange { get; }

    public override string Name => Exchange == DefaultExchange ? "rabbitmq-3" : $"rabbitmq-3 ({Exchange})";

    // AMQP 1.0 on 3.x cannot declare bindings, and `/queue/<q>` would declare a queue whose durability must
    // match an existing one exactly (precondition-failed ends the session): queues are declared elsewhere and
    // reached with `/amq/queue/<q>`, which only uses an existing queue.
    public override bool RequiresProvisioning => true;

    public override string ProvisioningHint =>
        "AMQP 1.0 on RabbitMQ 3.x cannot declare bindings, so the RabbitMQ topology needs a provisioner that " +
        "declares them over AMQP 0-9-1. Add the package Eventing.Amqp.RabbitMq and call amqp.UseRabbitMqProvisioning() " +
        "inside UseAmqp(amqp => ...), or set AmqpProviderOptions.Provisioner to your own IAmqpProvisioner.";

    // Publishes to the exchange with the event name as routing key; nothing is declared on attach.
    public override AmqpTerminus SendTarget(EventDescriptor @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return new AmqpTerminus(_sendPrefix + @event.Name);
    }

    // Durable termini for shared queues; per-process queues are non-durable and auto-delete, and an attach whose
    // durability disagrees with the queue is refused by the broker.
    public override AmqpTerminus ListenSource(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return new AmqpTerminus("/amq/queue/" + listener.Queue, durable: !listener.PerProcess);
    }

    // Dead letters go through the default exchange to the queue the provisioner declared.
    public override AmqpTerminus DeadLetterTarget(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return new AmqpTerminus("/amq/queue/" + listener.DeadLetterQueue, durable: true);
    }

    // The same delay queues as the RabbitMq provider's, so both providers can share a broker: the queue's TTL
    // does the waiting, then it dead-letters the copy through the default exchange back to the listener's queue.
    internal override AmqpTerminus DelayTarget(ListenerDescriptor listener, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return new AmqpTerminus("/amq/queue/" + listener.DelayQueue(delay), durable: true);
    }
}
