namespace Eventing.Amqp.Topology;

/// <summary>
/// Maps Eventing's logical names (docs/topology.md: an event's address is its name, a listener's queue is
/// <c>&lt;event&gt;::&lt;listener&gt;</c>) onto the AMQP 1.0 addresses of one kind of broker. The provider asks
/// the topology and never builds an address itself. Bring your own by deriving from this class.
/// </summary>
/// <example>
/// <code>
/// sealed class QpidTopology : AmqpTopology
/// {
///     public override string Name =&gt; "qpid";
///     public override AmqpTerminus SendTarget(EventDescriptor @event) =&gt; new("events/" + @event.Name);
///     public override AmqpTerminus ListenSource(ListenerDescriptor listener) =&gt; new("queues/" + listener.Queue, durable: true);
///     public override AmqpTerminus DeadLetterTarget(ListenerDescriptor listener) =&gt; new("queues/" + listener.DeadLetterQueue, durable: true);
/// }
/// </code>
/// </example>
public abstract class AmqpTopology
{
    /// <summary>
    /// RabbitMQ 3.x with the <c>rabbitmq_amqp1_0</c> plugin (v1 addresses): events go to <c>/topic/&lt;event&gt;</c>
    /// (exchange <c>amq.topic</c>, the event name as routing key), listeners receive from
    /// <c>/amq/queue/&lt;queue&gt;</c>, dead letters go to <c>/amq/queue/&lt;queue&gt;.dead-letter</c>. AMQP 1.0 on
    /// 3.x cannot declare bindings, so it needs a provisioner (package <c>Eventing.Amqp.RabbitMq</c>).
    /// </summary>
    public static AmqpTopology RabbitMq { get; } = new RabbitMqAmqpTopology();

    /// <summary>
    /// ActiveMQ Artemis: events go to the multicast address <c>&lt;event&gt;</c>, listeners receive from the fully
    /// qualified queue name <c>&lt;event&gt;::&lt;queue&gt;</c> (which is what the logical queue name already is),
    /// dead letters go to the anycast address <c>&lt;event&gt;.&lt;listener&gt;.dead-letter</c>. Artemis creates
    /// addresses and queues on attach, so nothing needs provisioning.
    /// </summary>
    public static AmqpTopology Artemis { get; } = new ArtemisAmqpTopology();

    /// <summary>A short name for logs and errors, e.g. <c>rabbitmq-3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// True when listener queues, their bindings and dead-letter queues must be declared by an
    /// <see cref="IAmqpProvisioner"/> before a listener attaches, because the broker does not create them from an
    /// AMQP 1.0 attach.
    /// </summary>
    public virtual bool RequiresProvisioning => false;

    /// <summary>What to tell the user when <see cref="RequiresProvisioning"/> is true and no provisioner is set.</summary>
    public virtual string ProvisioningHint =>
        $"Set AmqpProviderOptions.Provisioner to an IAmqpProvisioner that declares the queues of the {Name} topology.";

    /// <summary>The target that events of <paramref name="event"/> are sent to.</summary>
    public abstract AmqpTerminus SendTarget(EventDescriptor @event);

    /// <summary>The source that <paramref name="listener"/> receives from.</summary>
    public abstract AmqpTerminus ListenSource(ListenerDescriptor listener);

    /// <summary>The target that failed envelopes of <paramref name="listener"/> are sent to.</summary>
    public abstract AmqpTerminus DeadLetterTarget(ListenerDescriptor listener);

    /// <summary>
    /// The target a delayed retry of <paramref name="listener"/> waits in for <paramref name="delay"/> before the broker
    /// hands it back to the listener's queue; null when this topology cannot delay (the listener's delayed retries
    /// are then refused at start).
    /// </summary>
    internal virtual AmqpTerminus? DelayTarget(ListenerDescriptor listener, TimeSpan delay) => null;

    /// <inheritdoc />
    public override string ToString() => Name;
}
