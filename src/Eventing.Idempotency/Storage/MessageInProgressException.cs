namespace Eventing.Idempotency;

/// <summary>
/// Another consumer is handling the same message right now (a duplicate delivered in parallel). The delivery fails
/// this attempt and is retried; once the other consumer finishes, the retry is skipped as a duplicate.
/// </summary>
public sealed class MessageInProgressException : Exception
{
    /// <summary>Creates the exception for <paramref name="messageId"/> on <paramref name="queue"/>.</summary>
    public MessageInProgressException(string queue, string messageId, TimeSpan claimLease)
        : base($"Message {messageId} on {queue} is being handled by another consumer; this attempt fails and is retried. " +
               $"If that consumer died, its claim expires after {claimLease.TotalSeconds:0.#} s.")
    {
        Queue = queue;
        MessageId = messageId;
    }

    /// <summary>Creates the exception.</summary>
    public MessageInProgressException()
        : base("The message is being handled by another consumer.")
    {
        Queue = string.Empty;
        MessageId = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public MessageInProgressException(string message)
        : base(message)
    {
        Queue = string.Empty;
        MessageId = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public MessageInProgressException(string message, Exception innerException)
        : base(message, innerException)
    {
        Queue = string.Empty;
        MessageId = string.Empty;
    }

    /// <summary>The listener queue.</summary>
    public string Queue { get; }

    /// <summary>The message id.</summary>
    public string MessageId { get; }
}
