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

    /// <summary>Where failed envelopes of a listener go: our own <c>&lt;queue&gt;.dead-letter</c>, never the broker's DLQ.</summary>
    public virtual string DeadLetterDestination(ListenerDescriptor listener) => "/queue/" + listener.DeadLetterQueue;

    /// <summary>The extra SEND headers of dead letters (none by default).</summary>
    public virtual KeyValuePair<string, string>[] DeadLetterHeaders => [];

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
            StompTopologyKind.ActiveMq => new ActiveMqTopology(),
            StompTopologyKind.RabbitMq => new RabbitMqTopology(queueType),
            StompTopologyKind.Artemis => new ArtemisTopology(),
            _ when server.StartsWith("RabbitMQ", StringComparison.OrdinalIgnoreCase) => new RabbitMqTopology(queueType),
            _ when server.Contains("Artemis", StringComparison.OrdinalIgnoreCase) => new ArtemisTopology(),
            _ when server.StartsWith("ActiveMQ", StringComparison.OrdinalIgnoreCase) => new ActiveMqTopology(),
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
