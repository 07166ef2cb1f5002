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

    /// <summary>Scheduled events left in the table because they are not due yet (<see cref="IOutbox.ScheduleAsync"/>).</summary>
    public long Scheduled { get; init; }

    /// <summary>When the first of the <see cref="Scheduled"/> events falls due; null when none is left.</summary>
    public DateTimeOffset? NextDueAt { get; init; }
}
