namespace Eventing.Retry;

/// <summary>
/// Exponential backoff with jitter, for waits that repeat while a fault lasts (a dead-letter queue that refuses
/// messages, a broker that is away). The jitter spreads clients that failed together so they do not come back in step.
/// </summary>
internal static class Backoff
{
    /// <summary>
    /// The wait before try <paramref name="failures"/> + 1: <paramref name="initial"/> doubled per failure up to
    /// <paramref name="max"/>, then multiplied by a random factor in [0.8, 1.2).
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var ticks = Math.Min(initial.Ticks * factor, max.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
    }
}
