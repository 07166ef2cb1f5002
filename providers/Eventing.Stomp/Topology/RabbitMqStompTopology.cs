using System.Globalization;

namespace Eventing.Stomp.Topology;

/// <summary>
/// RabbitMQ: SEND to <c>/topic/&lt;event&gt;</c> (exchange <c>amq.topic</c>, routing key = event); SUBSCRIBE to
/// the same with <c>x-queue-name</c>, which declares and binds the listener's named queue. It is the queue the
/// RabbitMq provider uses, so listeners of both providers with one name compete on it. <c>/exchange/…</c> is
/// avoided: a SUBSCRIBE to a missing exchange is an ERROR that closes the connection, and STOMP cannot declare one.
/// </summary>
internal sealed class RabbitMqStompTopology(StompQueueType queueType = StompQueueType.Classic) : StompTopology
{
    // RabbitMQ declares the queue a SUBSCRIBE or SEND names from these headers; the dead-letter queue of a quorum
    // listener is declared quorum by the first dead letter sent to it, as the RabbitMq provider declares it.
    private readonly KeyValuePair<string, string>[] _deadLetterHeaders = queueType == StompQueueType.Quorum
        ? [Header("x-queue-type", "quorum"), Header("durable", "true"), Header("auto-delete", "false")]
        : [];

    public override StompTopologyKind Kind => StompTopologyKind.RabbitMq;

    public override KeyValuePair<string, string>[] DeadLetterHeaders => _deadLetterHeaders;

    public override string? PrefetchHeader => "prefetch-count";

    public override bool NackRequeues => true;

    // The SUBSCRIBE declares the durable x-queue-name queue and binds it to amq.topic; both stay after UNSUBSCRIBE.
    // RabbitMQ has no selectors: with prefetch 1, a message already in the queue may be taken and is given back,
    // marked redelivered, when the provisioning connection closes right after.

    public override string SendDestination(EventDescriptor @event) => "/topic/" + @event.Name;

    // The subscription is /topic/<event> with x-queue-name; the queue itself is reached as /amq/queue/<queue>.
    public override string ListenerQueueDestination(ListenerDescriptor listener) => "/amq/queue/" + listener.Queue;

    // RabbitMQ cannot hold a message back, so each delay has a queue of its own, <queue>.delay.<seconds>s, as the
    // RabbitMq provider names it: nobody consumes it, its x-message-ttl expires the copy and dead-letters it through
    // the default exchange to the listener's queue. The first SEND declares it from these x- headers; they depend
    // only on the listener and the delay, so every later SEND declares it the same way (RabbitMQ refuses a
    // redeclaration with other arguments: precondition_failed).
    public override StompSendSpec? DelayedRedelivery(ListenerDescriptor listener, TimeSpan delay) =>
        new("/queue/" + listener.DelayQueue(delay),
        [
            Header("durable", "true"),
            Header("auto-delete", "false"),
            Header("x-message-ttl", ((long)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
            Header("x-dead-letter-exchange", string.Empty),
            Header("x-dead-letter-routing-key", listener.Queue),
        ]);

    public override StompSubscriptionSpec Subscription(ListenerDescriptor listener) =>
        new("/topic/" + listener.Event.Name, listener.PerProcess || queueType == StompQueueType.Classic
            ?
            [
                Header("x-queue-name", listener.Queue),

                // Per-process queues go away with their process; shared ones survive restarts. The durability must
                // match the RabbitMq provider's declaration or RabbitMQ refuses the SUBSCRIBE (precondition_failed).
                Header("durable", listener.PerProcess ? "false" : "true"),
                Header("auto-delete", listener.PerProcess ? "true" : "false"),
            ]
            :
            [
                // A quorum queue is always durable and never auto-deleted; per-process queues stay classic (a
                // replicated queue for one process's lifetime buys nothing), as with the RabbitMq provider.
                Header("x-queue-name", listener.Queue),
                Header("x-queue-type", "quorum"),
                Header("durable", "true"),
                Header("auto-delete", "false"),
            ]);
}
