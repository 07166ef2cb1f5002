using System.Globalization;
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

    /// <summary>The delay queue of one of a listener's <see cref="RetryPolicy.Delayed"/> delays (<see cref="ListenerDescriptor.DelayQueue"/>).</summary>
    public static string DelayQueueName(ListenerDescriptor listener, TimeSpan delay) => listener.DelayQueue(delay);

    /// <summary>
    /// The delay queues of a listener, one per distinct configured delay, none without delayed retries. One queue per
    /// delay rather than a few fixed levels: every message in a queue has the same TTL, so the head always expires
    /// first (RabbitMQ only expires at the head: mixed TTLs would block behind a long one), each delay is exact, and
    /// the count stays small (listeners × delays). Nobody consumes them: an expired message is dead-lettered through
    /// the default exchange to the listener's queue alone, not to the other listeners of the event. They follow the
    /// listener queue's shape: quorum queues have message TTL and dead-lettering since RabbitMQ 3.10; a per-process
    /// listener's are exclusive, so they go away with its queue instead of dead-lettering into nothing.
    /// </summary>
    internal static IEnumerable<(QueueShape Queue, TimeSpan Delay)> DelayQueues(ListenerDescriptor listener, RabbitMqQueueType queueType)
    {
        var shape = ListenerQueue(listener, queueType);
        var delays = listener.Retry.Delayed;
        for (var i = 0; i < delays.Count; i++)
        {
            if (IndexOf(delays, delays[i]) == i)
            {
                yield return (shape with { Name = DelayQueueName(listener, delays[i]), AutoDelete = false }, delays[i]);
            }
        }
    }

    /// <summary>The declaration arguments of a delay queue: its TTL, and back to <paramref name="listener"/>'s queue on expiry.</summary>
    internal static Dictionary<string, object?> DelayArguments(ListenerDescriptor listener, RabbitMqQueueType queueType, TimeSpan delay)
    {
        var arguments = Arguments(queueType) ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        arguments["x-message-ttl"] = (long)delay.TotalMilliseconds;
        arguments["x-dead-letter-exchange"] = string.Empty;
        arguments["x-dead-letter-routing-key"] = listener.Queue;
        return arguments;
    }

    /// <summary>The names <see cref="IProviderInspector.DescribeTopology"/> shows for <paramref name="listener"/>.</summary>
    internal static IReadOnlyList<TopologyEntry> Describe(ListenerDescriptor listener, string exchange)
    {
        List<TopologyEntry> entries =
        [
            new(Broker, TopologyEntry.Address, exchange, "topic exchange, routing key " + RoutingKey(listener.Event)),
            new(Broker, TopologyEntry.Queue, listener.Queue,
                listener.PerProcess ? "exclusive, auto-delete (goes away with the process)" : $"durable, bound to {exchange} with key {listener.Event.Name}"),
            new(Broker, TopologyEntry.DeadLetterQueue, listener.DeadLetterQueue, "durable, through the default exchange"),
        ];
        foreach (var (queue, delay) in DelayQueues(listener, RabbitMqQueueType.Classic))
        {
            entries.Add(new(Broker, TopologyEntry.Queue, queue.Name,
                $"delayed retries: messages wait {delay.TotalSeconds:0.###} s, then go back to {listener.Queue}"));
        }

        return entries;
    }

    private static int IndexOf(IReadOnlyList<TimeSpan> delays, TimeSpan delay)
    {
        for (var i = 0; i < delays.Count; i++)
        {
            if (delays[i] == delay)
            {
                return i;
            }
        }

        return -1;
    }

    private const string Broker = "rabbitmq";

    /// <summary>The declaration arguments of a queue type: quorum needs <c>x-queue-type</c>; classic needs none.</summary>
    internal static Dictionary<string, object?>? Arguments(RabbitMqQueueType queueType) =>
        queueType == RabbitMqQueueType.Quorum
            ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["x-queue-type"] = "quorum" }
            : null;
}
