namespace Eventing.Idempotency;

/// <summary>
/// Where processed-message records live, keyed by (listener queue, message id). Store packages implement it;
/// register one with <see cref="IdempotencyBuilder.UseStore"/>.
/// </summary>
public interface IProcessedMessageStore
{
    /// <summary>
    /// Claims a message for handling: returns the claim, or <see langword="null"/> when the message was already
    /// processed within its window (the caller skips it). Throws <see cref="MessageInProgressException"/> when another
    /// consumer holds the claim right now, so the delivery is retried.
    /// </summary>
    ValueTask<IProcessedMessageClaim?> TryClaimAsync(string queue, string messageId, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Deletes expired records; returns how many. Stores whose records expire by themselves return 0.</summary>
    ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken);
}
