using System.Diagnostics;

namespace Eventing.Providers;

/// <summary>
/// When a send gives up: its send timeout after the first attempt, whatever happens in between (waiting for the
/// connection, re-sending after a lost one). Every provider measures its sends by it, on the monotonic clock.
/// </summary>
internal readonly struct SendDeadline
{
    private readonly long _startedAt;

    /// <summary>Starts the clock of a send that may take <paramref name="timeout"/>.</summary>
    public SendDeadline(TimeSpan timeout)
    {
        Timeout = timeout;
        _startedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>The whole time the send may take (the provider's send timeout).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>What is left of it; zero once it passed.</summary>
    public TimeSpan Remaining => TimeSpan.FromTicks(Math.Max(0, (Timeout - Stopwatch.GetElapsedTime(_startedAt)).Ticks));

    /// <summary>Whether the send ran out of time.</summary>
    public bool Expired => Remaining == TimeSpan.Zero;
}
