namespace Eventing.Stomp.Topology;

/// <summary>
/// Maps events and listeners to the destinations of one broker (docs/topology.md). The provider asks its topology and
/// never builds a destination itself.
/// </summary>
internal abstract class StompTopology
{
    public abstract StompTopologyKind Kind { get; }

    /// <summary>The SEND destination of an event.</summary>
    public abstract string SendDestination(EventDescriptor @event);

    /// <summary>The extra SEND headers of the topology (none by default).</summary>
    public virtual KeyValuePair<string, string>[] SendHeaders => [];

    /// <summary>The SUBSCRIBE destination and headers of a listener.</summary>
    public abstract StompSubscriptionSpec Subscription(ListenerDescriptor listener);

    /// <summary>A SEND destination that reaches only the listener's own queue (a replayed dead letter goes there).</summary>
    public virtual string ListenerQueueDestination(ListenerDescriptor listener) => Subscription(listener).Destination;

    /// <summary>Where failed envelopes of a listener go: our own <c>&lt;queue&gt;.dead-letter</c>, never the broker's DLQ.</summary>
    public virtual string DeadLetterDestination(ListenerDescriptor listener) => "/queue/" + listener.DeadLetterQueue;

    /// <summary>
    /// Where a delayed retry of a listener's message is sent, with the headers that make the broker hold it for
    /// <paramref name="delay"/> before it reaches the listener's queue again; null when the broker (or this listener
    /// on it) cannot delay, and the listener is then refused at start. None by default.
    /// </summary>
    public virtual StompSendSpec? DelayedRedelivery(ListenerDescriptor listener, TimeSpan delay) => null;

    /// <summary>
    /// The SEND headers of an event the broker is to hold for <paramref name="delay"/> before it routes it (a scheduled
    /// send), the topology's <see cref="SendHeaders"/> included; null when the broker cannot hold messages. None by default.
    /// </summary>
    public virtual KeyValuePair<string, string>[]? ScheduledSendHeaders(TimeSpan delay) => null;

    /// <summary>The extra SEND headers of dead letters (none by default).</summary>
    public virtual KeyValuePair<string, string>[] DeadLetterHeaders => [];

    /// <summary>What reads the dead-letter queue: its destination, with the headers it was declared with.</summary>
    public virtual StompSubscriptionSpec DeadLetterSubscription(ListenerDescriptor listener) => new(DeadLetterDestination(listener), DeadLetterHeaders);

    /// <summary>
    /// What to SUBSCRIBE to, and UNSUBSCRIBE from at once, so that the listener's queue (unless it lives only with
    /// its process) and its dead-letter queue exist and keep what is sent from then on: STOMP has no frame that
    /// declares a queue, but a SUBSCRIBE creates one on every broker (see each topology for what stays).
    /// </summary>
    public IReadOnlyList<StompSubscriptionSpec> Provisioning(ListenerDescriptor listener)
    {
        var deadLetters = DeadLetterSubscription(listener);
        deadLetters = deadLetters with { Headers = [.. deadLetters.Headers, .. ProvisioningHeaders] };
        if (listener.PerProcess)
        {
            return [deadLetters];
        }

        var queue = Subscription(listener);
        return [queue with { Headers = [.. queue.Headers, .. ProvisioningHeaders] }, deadLetters];
    }

    /// <summary>Extra SUBSCRIBE headers while provisioning, e.g. a selector that keeps the broker from delivering anything.</summary>
    protected virtual KeyValuePair<string, string>[] ProvisioningHeaders => [];

    /// <summary>The SUBSCRIBE header that bounds unacknowledged deliveries, or null when the broker has none.</summary>
    public abstract string? PrefetchHeader { get; }

    /// <summary>
    /// True when NACK gives a message back to its queue. False on ActiveMQ, where NACK moves it straight to
    /// <c>ActiveMQ.DLQ</c>: there a message is given back by leaving it unacknowledged until the consumer's
    /// connection closes, and the broker redelivers it.
    /// </summary>
    public abstract bool NackRequeues { get; }

    /// <summary>Picks the topology for <paramref name="kind"/>, or from the CONNECTED <c>server</c> header for <see cref="StompTopologyKind.Auto"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// Auto was asked for and the server is not recognised, or quorum queues were asked of a broker without them.
    /// </exception>
    public static StompTopology Create(StompTopologyKind kind, string server, string endpoint, StompQueueType queueType = StompQueueType.Classic)
    {
        StompTopology topology = kind switch
        {
            StompTopologyKind.ActiveMq => new ActiveMqStompTopology(),
            StompTopologyKind.RabbitMq => new RabbitMqStompTopology(queueType),
            StompTopologyKind.Artemis => new ArtemisStompTopology(),
            _ when server.StartsWith("RabbitMQ", StringComparison.OrdinalIgnoreCase) => new RabbitMqStompTopology(queueType),
            _ when server.Contains("Artemis", StringComparison.OrdinalIgnoreCase) => new ArtemisStompTopology(),
            _ when server.StartsWith("ActiveMQ", StringComparison.OrdinalIgnoreCase) => new ActiveMqStompTopology(),
            _ => throw new InvalidOperationException(
                $"The STOMP broker at {endpoint} calls itself '{server}', which Eventing does not recognise. Set StompProviderOptions.Topology to ActiveMq, RabbitMq or Artemis."),
        };
        if (queueType == StompQueueType.Quorum && topology.Kind != StompTopologyKind.RabbitMq)
        {
            throw new InvalidOperationException(
                $"StompProviderOptions.QueueType is Quorum, but the STOMP broker at {endpoint} ('{server}') is {topology.Kind}, which has no quorum queues. Use StompQueueType.Classic with this broker.");
        }

        return topology;
    }

    internal static KeyValuePair<string, string> Header(string name, string value) => new(name, value);
}
