namespace Eventing.Outbox;

/// <summary>
/// How <see cref="IAtomicProcedures.ExecuteAtomicAsync{TResult}"/> (and the EF Core <c>db.ExecuteAtomicAsync</c>)
/// retries a procedure whose transaction lost a conflict. Validated when the host starts.
/// </summary>
public sealed class AtomicOptions
{
    /// <summary>
    /// How many times a procedure runs at most, the first run included. A procedure that still conflicts after that
    /// throws <see cref="AtomicProcedureException"/>. Default 50: 8 writers incrementing one row at Serializable
    /// needed up to 10 attempts for one increment in our runs, 20 with a narrower jitter; this is a guard against
    /// livelock, not a tuning knob.
    /// </summary>
    public int MaxAttempts { get; set; } = 50;

    /// <summary>The ceiling of the pause before the first retry; it doubles on each retry up to <see cref="MaxRetryDelay"/>, and the pause is random below it (full jitter). Default 5 ms.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest pause between two attempts. Default 500 ms.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
