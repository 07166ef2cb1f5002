namespace Eventing.Providers;

/// <summary>One received message and the way to settle it with the broker. Settled exactly once by the core.</summary>
public abstract class Delivery
{
    /// <summary>Creates a delivery for <paramref name="envelope"/>.</summary>
    protected Delivery(Envelope envelope) => Envelope = envelope;

    /// <summary>
    /// Creates a delivery the provider could not turn into an envelope (a header of the wrong type, a frame over
    /// a limit). The core dead-letters it at once with the reason taken from <paramref name="decodeFailure"/>:
    /// <see cref="DeadLetterReasons.TooLarge"/> for an <see cref="EnvelopeTooLargeException"/>, otherwise
    /// <see cref="DeadLetterReasons.Malformed"/>. A provider never throws from its receive loop for bad input.
    /// </summary>
    /// <param name="partial">What could be read: at least the body the broker delivered (empty if it was dropped).</param>
    /// <param name="decodeFailure">Why the message could not be read.</param>
    protected Delivery(Envelope partial, Exception decodeFailure)
    {
        ArgumentNullException.ThrowIfNull(decodeFailure);
        Envelope = partial;
        DecodeFailure = decodeFailure;
    }

    /// <summary>The envelope as the provider read it from the wire (binary or structured).</summary>
    public Envelope Envelope { get; }

    /// <summary>Why the provider could not read this message, or null when <see cref="Envelope"/> is complete.</summary>
    public Exception? DecodeFailure { get; }

    /// <summary>
    /// True when the broker already took this delivery back (its channel, link or connection is gone): settling
    /// it is impossible and handling it would handle it twice, so the core skips it.
    /// </summary>
    public virtual bool IsStale => false;

    // 0 until the core settled this delivery; the core settles each delivery once even when a handler it gave
    // up on at shutdown finishes later.
    internal int Settled;

    /// <summary>The broker may forget the message: it was handled or dead-lettered.</summary>
    public abstract ValueTask AckAsync(CancellationToken cancellationToken);

    /// <summary>The message goes back to the queue unhandled (stop, or the handler was cancelled).</summary>
    public abstract ValueTask RequeueAsync(CancellationToken cancellationToken);
}
