namespace Eventing.Outbox.Storage;

/// <summary>What waits in the outbox table: see <see cref="IOutboxStore.GetBacklogAsync"/>.</summary>
/// <param name="Pending">The rows not yet sent, including those a relay has leased and is sending now.</param>
/// <param name="OldestCreatedAt">
/// The <c>created_at</c> (Unix milliseconds) of the oldest of them; <see langword="null"/> when none is pending.
/// </param>
public readonly record struct OutboxBacklog(long Pending, long? OldestCreatedAt)
{
    /// <summary>How long the oldest pending row has waited at <paramref name="now"/>; zero when none is pending.</summary>
    public TimeSpan OldestAge(DateTimeOffset now) =>
        OldestCreatedAt is { } created && now.ToUnixTimeMilliseconds() > created
            ? TimeSpan.FromMilliseconds(now.ToUnixTimeMilliseconds() - created)
            : TimeSpan.Zero;
}
