namespace Eventing.Outbox.Storage;

/// <summary>What a relay asks of <see cref="IOutboxStore.LeaseAsync"/>.</summary>
/// <param name="BatchSize">The most rows to return.</param>
/// <param name="CreatedBefore">Only unscheduled rows created at or before this time (Unix milliseconds).</param>
/// <param name="Ordered">
/// Return rows in sequence order and let only one relay hold an ordered lease at a time, so that the events of a key
/// go out in commit order.
/// </param>
public readonly record struct OutboxLeaseRequest(int BatchSize, long CreatedBefore, bool Ordered)
{
    /// <summary>
    /// Scheduled rows (<see cref="OutboxRecord.DueAt"/> set) are returned only once due: at or before this time
    /// (Unix milliseconds). They are sent by the relay alone, so no grace period applies to them.
    /// </summary>
    public long DueBefore { get; init; }
}
