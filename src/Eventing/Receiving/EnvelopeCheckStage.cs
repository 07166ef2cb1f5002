namespace Eventing.Receiving;

/// <summary>
/// The first stage inside the dead-letter stage: an envelope too large, not a valid CloudEvent or not the
/// listener's event is poison, dead-lettered without an attempt. A structured envelope is decoded here, so every
/// inner stage sees the CloudEvent's attributes.
/// </summary>
internal sealed class EnvelopeCheckStage(ListenerDescriptor listener, int maxEnvelopeBytes) : EnvelopePipeline
{
    public override ValueTask HandleAsync(Envelope envelope, ListenerDescriptor _, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        if (envelope.Body.Length > maxEnvelopeBytes)
        {
            throw new DeliveryFailedException(envelope, DeadLetterReasons.TooLarge, null,
                $"the envelope has {envelope.Body.Length} bytes, more than MaxEnvelopeBytes ({maxEnvelopeBytes})", 0);
        }

        if (envelope.IsStructured)
        {
            try
            {
                var redelivered = envelope.Redelivered;
                var decoded = StructuredCloudEvent.Decode(envelope.Body);
                decoded.Redelivered = redelivered;
                envelope = decoded;
            }
            catch (Exception exception)
            {
                // Whatever the decoder threw, the body is poison: a delivery is always settled, never left holding
                // a prefetch slot.
                throw new DeliveryFailedException(envelope, DeadLetterReasons.Malformed, exception, exception.Message, 0);
            }
        }

        if (!string.Equals(envelope.Type, listener.Event.Name, StringComparison.Ordinal))
        {
            throw new DeliveryFailedException(envelope, DeadLetterReasons.UnknownEvent, null,
                $"the envelope is event \"{envelope.Type}\" but {listener.Queue} handles \"{listener.Event.Name}\"", 0);
        }

        return next(envelope, cancellationToken);
    }
}
