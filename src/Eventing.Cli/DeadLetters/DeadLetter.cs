namespace Eventing.Cli.DeadLetters;

/// <summary>One dead-lettered envelope, held (unsettled) on the broker until removed or given back.</summary>
internal sealed class DeadLetter(Envelope envelope, object tag)
{
    public Envelope Envelope { get; } = envelope;

    /// <summary>What the queue needs to settle it (delivery tag, ack id, AMQP message).</summary>
    public object Tag { get; } = tag;
}
