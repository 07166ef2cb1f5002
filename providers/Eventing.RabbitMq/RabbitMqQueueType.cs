namespace Eventing.RabbitMq;

/// <summary>The kind of RabbitMQ queue declared for listeners and their dead letters.</summary>
public enum RabbitMqQueueType
{
    /// <summary>Classic queues: the default, fine on a single node.</summary>
    Classic,

    /// <summary>
    /// Quorum queues (replicated, what clustered production uses; RabbitMQ 3.10 has them on a single node too).
    /// Per-process queues stay classic: a quorum queue can be neither exclusive nor auto-delete.
    /// </summary>
    Quorum,
}
