using System.Globalization;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// STOMP 1.2 heart-beats of one connection: the negotiated intervals, and the loop that sends an EOL when the
/// client has been quiet and declares the connection dead when the broker has been silent too long.
/// </summary>
internal sealed class HeartBeats(TimeSpan send, TimeSpan receive)
{
    public TimeSpan Send { get; } = send;

    public TimeSpan Receive { get; } = receive;

    /// <summary>
    /// Negotiates from what the client offers both ways and the broker's <c>heart-beat</c> header: each direction
    /// runs at the larger of what one side can do and the other wants, and is off if either side says 0.
    /// </summary>
    /// <exception cref="StompProtocolException">The header is not <c>&lt;ms&gt;,&lt;ms&gt;</c>.</exception>
    public static HeartBeats Negotiate(TimeSpan offered, string? header, string endpoint)
    {
        var ours = (long)offered.TotalMilliseconds;
        long serverSends = 0, serverWants = 0;
        if (header is not null)
        {
            var comma = header.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 ||
                !long.TryParse(header.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out serverSends) ||
                !long.TryParse(header.AsSpan(comma + 1), NumberStyles.None, CultureInfo.InvariantCulture, out serverWants))
            {
                throw new StompProtocolException($"{endpoint} sent the heart-beat header '{header}'; STOMP 1.2 expects '<ms>,<ms>'.");
            }
        }

        return new HeartBeats(
            ours == 0 || serverWants == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(ours, serverWants)),
            ours == 0 || serverSends == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(ours, serverSends)));
    }

    /// <summary>
    /// Beats and watches until cancelled; returns how long the broker has been silent when that is more than twice
    /// its interval (the caller closes the connection as dead), or null when cancelled or when heart-beats are off.
    /// </summary>
    public async Task<TimeSpan?> RunAsync(FrameWriter writer, FrameReader reader, CancellationToken cancellationToken)
    {
        if (Send == TimeSpan.Zero && Receive == TimeSpan.Zero)
        {
            return null;
        }

        // Tick often enough to send within the agreed interval and to notice a silent broker soon after twice
        // its interval (the spec leaves the tolerance to the implementation; twice absorbs GC pauses and load).
        var tick = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(
            Send == TimeSpan.Zero ? double.MaxValue : Send.TotalMilliseconds / 2,
            Receive == TimeSpan.Zero ? double.MaxValue : Receive.TotalMilliseconds / 2)));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                if (Send > TimeSpan.Zero && now - writer.LastFlushed >= Send.TotalMilliseconds - tick.TotalMilliseconds)
                {
                    writer.TryQueue(Outbound.HeartBeat);
                }

                var silence = TimeSpan.FromMilliseconds(now - reader.LastReceived);
                if (Receive > TimeSpan.Zero && silence > 2 * Receive)
                {
                    return silence;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }
}
