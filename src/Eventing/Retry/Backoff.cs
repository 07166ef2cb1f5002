namespace Eventing.Retry;

/// <summary>
/// Exponential backoff with jitter, for waits that repeat while a fault lasts (a broker that is away, a dead-letter
/// queue that refuses messages, a database outage). The one place Eventing computes such a wait: the jitter spreads
/// clients that failed together, so they do not come back in step.
/// </summary>
/// <remarks>A mutable struct: keep it in a local or a field and call <see cref="Next"/> once per failure.</remarks>
internal struct Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _current;

    /// <summary>Starts at <paramref name="initial"/> and doubles per failure up to <paramref name="max"/>.</summary>
    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max < initial ? initial : max;
        _current = initial;
    }

    /// <summary>The wait before the next try, without jitter (for logs).</summary>
    public readonly TimeSpan Current => _current;

    /// <summary>The wait before the next try, with jitter; the one after it is twice as long, up to the maximum.</summary>
    public TimeSpan Next()
    {
        var wait = Jitter(_current);
        _current = Double(_current, _max);
        return wait;
    }

    /// <summary>Starts again from the initial wait, after a success.</summary>
    public void Reset() => _current = _initial;

    /// <summary>
    /// The wait before try <paramref name="failures"/> + 1: <paramref name="initial"/> doubled per failure up to
    /// <paramref name="max"/>, with jitter.
    /// </summary>
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return Jitter(TimeSpan.FromTicks((long)Math.Min(initial.Ticks * factor, max.Ticks)));
    }

    /// <summary>Twice <paramref name="delay"/>, at most <paramref name="max"/>.</summary>
    public static TimeSpan Double(TimeSpan delay, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(max.Ticks, delay.Ticks)));

    /// <summary><paramref name="delay"/> multiplied by a random factor in [0.8, 1.2).</summary>
    public static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
}
