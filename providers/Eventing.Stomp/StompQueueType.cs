namespace Eventing.Stomp;

/// <summary>
/// The type of the listener and dead-letter queues on RabbitMQ (<see cref="StompTopologyKind.RabbitMq"/>); the same
/// choice as the RabbitMq provider's <c>QueueType</c>, so listeners of both providers share one queue. Other brokers
/// have one kind of queue and accept only <see cref="Classic"/>.
/// </summary>
public enum StompQueueType
{
    /// <summary>Classic queues (the default).</summary>
    Classic = 0,

    /// <summary>Quorum queues: replicated over the nodes of a RabbitMQ cluster, for shared (not per-process) listeners.</summary>
    Quorum = 1,
}
