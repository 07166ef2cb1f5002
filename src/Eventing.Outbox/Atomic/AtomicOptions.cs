namespace Eventing.Outbox;

/// <summary>
/// How <see cref="IAtomicProcedures.ExecuteAtomicAsync{TResult}"/> (and the EF Core <c>db.ExecuteAtomicAsync</c>)
/// retries a procedure whose transaction lost a conflict. Validated when the host starts.
/// </summary>
public sealed class AtomicOptions
{
    /// <summary>
    /// How many times a procedure runs at most, the first run included. A procedure that still conflicts after that
    /// throws <see cref="AtomicProcedureException"/>. Default 10.
    /// </summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The pause before the first retry; it doubles on each retry, with jitter, up to <see cref="MaxRetryDelay"/>. Default 5 ms.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest pause between two attempts. Default 500 ms.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}
