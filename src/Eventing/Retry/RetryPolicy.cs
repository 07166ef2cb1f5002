namespace Eventing;

/// <summary>
/// Immediate retries with exponential backoff inside the consuming process; after the last attempt the envelope
/// is dead-lettered.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included. 1 means no retry.</param>
/// <param name="InitialDelay">The wait before the first retry; each further retry waits twice as long.</param>
/// <param name="MaxDelay">The longest wait between two attempts.</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    /// <summary>3 attempts, waiting 100 ms then 200 ms.</summary>
    public static RetryPolicy Default { get; } = new(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

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
    }
}
