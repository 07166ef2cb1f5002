namespace Eventing.Receiving;

/// <summary>
/// How an inner stage of the receive chain tells the dead-letter stage that a delivery is done for: which envelope
/// to dead-letter (the decoded one once it was decoded), the reason, and the attempt it failed on.
/// </summary>
internal sealed class DeliveryFailedException(Envelope envelope, string reason, Exception? cause, string problem, int attempt)
    : Exception(problem, cause)
{
    public Envelope Envelope { get; } = envelope;

    public string Reason { get; } = reason;

    /// <summary>The exception behind the failure, or null for a rule the envelope broke (too large, wrong event).</summary>
    public Exception? Cause { get; } = cause;

    public int Attempt { get; } = attempt;
}
