namespace Eventing.DeadLetters;

/// <summary>The dead-letter queue refused the envelope; the receive pump gives the original back to the broker.</summary>
internal sealed class DeadLetterRefusedException(Exception inner) : Exception("The dead letter could not be sent.", inner);
