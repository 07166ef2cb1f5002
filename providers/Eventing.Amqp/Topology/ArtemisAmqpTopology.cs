namespace Eventing.Amqp.Topology;

/// <summary>
/// ActiveMQ Artemis, the way aspyx-event uses it: an event is a multicast address, a listener is a queue on that
/// address reached by its fully qualified queue name <c>&lt;address&gt;::&lt;queue&gt;</c>. The logical queue
/// name <c>&lt;event&gt;::&lt;listener&gt;</c> already has that shape.
/// </summary>
internal sealed class ArtemisAmqpTopology : AmqpTopology
{
    // Artemis reads the routing type from these capabilities when it auto-creates an address or queue.
    private static readonly string[] Multicast = ["topic"];
    private static readonly string[] Anycast = ["queue"];

    public override string Name => "artemis";

    public override AmqpTerminus SendTarget(EventDescriptor @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return new AmqpTerminus(@event.Name, capabilities: Multicast);
    }

    public override AmqpTerminus ListenSource(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return new AmqpTerminus(listener.Queue, durable: !listener.PerProcess, capabilities: Multicast);
    }

    // `<event>::<listener>.dead-letter` would be read as a queue on the event's multicast address and receive
    // every event; the separator is replaced so the dead-letter queue lives on an anycast address of its own.
    public override AmqpTerminus DeadLetterTarget(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return new AmqpTerminus(listener.DeadLetterQueue.Replace("::", ".", StringComparison.Ordinal), durable: true, capabilities: Anycast);
    }
}
