namespace Eventing.Idempotency;

/// <summary>Settings of idempotent listeners and per-key locks; validated when the host starts.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>
    /// How long a processed message is remembered when the listener names no window. A duplicate that arrives later
    /// runs again, so make it longer than the longest time a broker or the outbox relay can take to redeliver.
    /// Default 7 days.
    /// </summary>
    public TimeSpan DefaultWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired records are deleted from a SQL store (Redis expires keys itself). Default 5 minutes.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a distributed per-key lock lives when its holder dies without releasing it (Redis). A handler that
    /// runs longer than this loses exclusivity. Default 1 minute.
    /// </summary>
    public TimeSpan LockLease { get; set; } = TimeSpan.FromMinutes(1);
}
