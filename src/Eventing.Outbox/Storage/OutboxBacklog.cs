namespace Eventing.Outbox.Storage;

/// <summary>What waits in the outbox table: see <see cref="IOutboxStore.GetBacklogAsync"/>.</summary>
/// <param name="Pending">
/// The rows due to be sent and not yet sent, including those a relay has leased and is sending now. Scheduled rows
/// count once their due time has come.
/// </param>
/// <param name="OldestPendingSince">
/// Since when (Unix milliseconds) the oldest of them has been due: its <c>created_at</c>, or for a scheduled row its
/// <c>due_at</c>; <see langword="null"/> when none is pending.
/// </param>
public readonly record struct OutboxBacklog(long Pending, long? OldestPendingSince)
{
    /// <summary>Scheduled rows whose due time has not come yet: they are not late, so not <see cref="Pending"/>.</summary>
    public long Scheduled { get; init; }

    /// <summary>The earliest due time (Unix milliseconds) of the <see cref="Scheduled"/> rows; null when there is none.</summary>
    public long? NextDueAt { get; init; }

    /// <summary>How long the oldest pending row has waited at <paramref name="now"/>; zero when none is pending.</summary>
    public TimeSpan OldestAge(DateTimeOffset now) =>
        OldestPendingSince is { } since && now.ToUnixTimeMilliseconds() > since
            ? TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds() - since)
            : TimeSpan.Zero;
}
