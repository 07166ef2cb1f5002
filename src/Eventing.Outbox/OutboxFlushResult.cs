namespace Eventing.Outbox;

/// <summary>What <see cref="OutboxFlusher.FlushAsync"/> did.</summary>
/// <param name="Sent">Events sent and deleted.</param>
/// <param name="Failed">Events whose send failed in the last pass; they are still pending.</param>
public readonly record struct OutboxFlushResult(int Sent, int Failed)
{
    /// <summary>
    /// Why the first failed send failed (e.g. a <see cref="BrokerUnreachableException"/>), so a caller such as
    /// <c>eventing outbox flush</c> can say what went wrong; <see langword="null"/> when <see cref="Failed"/> is 0.
    /// </summary>
    public Exception? FirstFailure { get; init; }
}
