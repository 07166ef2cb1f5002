namespace Eventing;

/// <summary>
/// Immediate retries with exponential backoff inside the consuming process, then, when <see cref="Delayed"/> lists
/// delays, delayed retries: the message goes back to the broker to wait, freeing the consumer, and each delayed retry
/// runs the immediate attempts again. After the last attempt the envelope is dead-lettered.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included. 1 means no retry.</param>
/// <param name="InitialDelay">The wait before the first retry; each further retry waits twice as long.</param>
/// <param name="MaxDelay">The longest wait between two attempts.</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    /// <summary>3 attempts, waiting 100 ms then 200 ms.</summary>
    public static RetryPolicy Default { get; } = new(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    /// <summary>
    /// The waits of the delayed retries, in order: after the immediate attempts fail, the message is handed back to
    /// the broker for the first delay, then tried again (immediate attempts included), and so on. Empty: no delayed
    /// retries. The provider must support them (<see cref="Providers.IDelayedRedelivery"/>); order is not kept across a
    /// delayed retry.
    /// </summary>
    public IReadOnlyList<TimeSpan> Delayed { get; init; } = [];

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    internal void Validate(string listener)
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"Listener '{listener}': Retry attempts must be at least 1 (1 means no retry).");
        }

        if (InitialDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"Listener '{listener}': retry delays must not be negative.");
        }

        foreach (var delay in Delayed)
        {
            if (delay < TimeSpan.FromSeconds(1) || delay > TimeSpan.FromDays(7))
            {
                throw new ArgumentException($"Listener '{listener}': each delayed retry must wait between 1 s and 7 days; {delay} is not.");
            }
        }
    }
}
