namespace Eventing.Providers;

/// <summary>
/// One envelope taken from a dead-letter queue and held on the broker, unsettled, until it is removed or given back.
/// Providers derive from it to keep what they need to settle it (a delivery tag, an ack id, a message).
/// </summary>
public abstract class DeadLetter
{
    /// <summary>Wraps the envelope read from the queue.</summary>
    protected DeadLetter(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        Envelope = envelope;
    }

    /// <summary>The dead-lettered envelope, with its failure headers.</summary>
    public Envelope Envelope { get; }
}
