namespace Eventing;

/// <summary>
/// A message larger than the configured limit (<see cref="EventingOptions.MaxEnvelopeBytes"/> or a protocol limit
/// tied to it). Delivered ones are dead-lettered with reason <see cref="DeadLetterReasons.TooLarge"/>.
/// </summary>
public sealed class EnvelopeTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EnvelopeTooLargeException(string problem, Exception? inner = null)
        : base($"Envelope too large: {problem}.", inner)
    {
    }
}
