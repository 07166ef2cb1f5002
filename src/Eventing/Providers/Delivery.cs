namespace Eventing.Providers;

/// <summary>One received message and the way to settle it with the broker. Settled exactly once by the core.</summary>
public abstract class Delivery
{
    /// <summary>Creates a delivery for <paramref name="envelope"/>.</summary>
    protected Delivery(Envelope envelope) => Envelope = envelope;

    /// <summary>The envelope as the provider read it from the wire (binary or structured).</summary>
    public Envelope Envelope { get; private protected set; }

    // 0 until the core settled this delivery; the core settles each delivery once even when a handler it gave
    // up on at shutdown finishes later.
    internal int Settled;

    /// <summary>The broker may forget the message: it was handled or dead-lettered.</summary>
    public abstract ValueTask AckAsync(CancellationToken cancellationToken);

    /// <summary>The message goes back to the queue unhandled (stop, or the handler was cancelled).</summary>
    public abstract ValueTask RequeueAsync(CancellationToken cancellationToken);
}
