using Eventing.Providers;

namespace Eventing.RabbitMq.Topology;

/// <summary>
/// How Eventing's logical names map onto RabbitMQ (docs/topology.md): events are published to one topic exchange
/// with the event name as routing key; each listener has a queue named after it, bound with that key; failed
/// messages go to <c>&lt;queue&gt;.dead-letter</c> through the default exchange. The STOMP and AMQP 1.0
/// providers on RabbitMQ address the same queues, so the names here are the contract between them.
/// </summary>
internal static class RabbitMqTopology
{
    /// <summary>The exchange used when none is configured: it always exists and every protocol reaches it.</summary>
    public const string DefaultExchange = "amq.topic";

    /// <summary>The routing key of an event: its name.</summary>
    public static string RoutingKey(EventDescriptor @event) => @event.Name;

    /// <summary>The queue of a listener: <c>&lt;event&gt;::&lt;listener&gt;</c>, or with <c>-&lt;process&gt;</c> when per-process.</summary>
    public static string QueueName(ListenerDescriptor listener) => listener.Queue;

    /// <summary>The dead-letter queue of a listener: <c>&lt;queue&gt;.dead-letter</c>.</summary>
    public static string DeadLetterQueueName(ListenerDescriptor listener) => listener.DeadLetterQueue;

    /// <summary>
    /// The shape of a listener's queue. Per-process queues are exclusive, non-durable classic queues, so they go
    /// away with the connection of their process; quorum queues can be neither exclusive nor auto-delete.
    /// </summary>
    internal static QueueShape ListenerQueue(ListenerDescriptor listener, RabbitMqQueueType queueType) =>
        listener.PerProcess
            ? new QueueShape(listener.Queue, Durable: false, Exclusive: true, AutoDelete: true, RabbitMqQueueType.Classic)
            : new QueueShape(listener.Queue, Durable: true, Exclusive: false, AutoDelete: false, queueType);

    /// <summary>
    /// The shape of a dead-letter queue: always durable and never deleted by the broker, also for per-process
    /// listeners, because dead letters are kept for a person to look at after the process is gone.
    /// </summary>
    internal static QueueShape DeadLetterQueue(ListenerDescriptor listener, RabbitMqQueueType queueType) =>
        new(listener.DeadLetterQueue, Durable: true, Exclusive: false, AutoDelete: false, queueType);

    /// <summary>The names <see cref="IProviderInspector.DescribeTopology"/> shows for <paramref name="listener"/>.</summary>
    internal static IReadOnlyList<TopologyEntry> Describe(ListenerDescriptor listener, string exchange) =>
    [
        new(Broker, TopologyEntry.Address, exchange, "topic exchange, routing key " + RoutingKey(listener.Event)),
        new(Broker, TopologyEntry.Queue, listener.Queue,
            listener.PerProcess ? "exclusive, auto-delete (goes away with the process)" : $"durable, bound to {exchange} with key {listener.Event.Name}"),
        new(Broker, TopologyEntry.DeadLetterQueue, listener.DeadLetterQueue, "durable, through the default exchange"),
    ];

    private const string Broker = "rabbitmq";

    /// <summary>The declaration arguments of a queue type: quorum needs <c>x-queue-type</c>; classic needs none.</summary>
    internal static Dictionary<string, object?>? Arguments(RabbitMqQueueType queueType) =>
        queueType == RabbitMqQueueType.Quorum
            ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["x-queue-type"] = "quorum" }
            : null;
}
