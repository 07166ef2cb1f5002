namespace Eventing;

/// <summary>
/// Thrown by a listener (or a pipeline) for a failure that no retry can help with (a business rule the event
/// breaks, a reference to something that will never exist): the envelope is dead-lettered at once with reason
/// <see cref="DeadLetterReasons.Rejected"/>, and this exception's message (or its inner exception's type) in the
/// dead letter's headers. Any other exception is retried as the listener's <see cref="RetryPolicy"/> says.
/// </summary>
public class DoNotRetryException : Exception
{
    /// <summary>Creates the exception with the reason shown in the dead letter.</summary>
    public DoNotRetryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason shown in the dead letter and the failure that caused it.</summary>
    public DoNotRetryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The <c>deadletterreason</c> the envelope gets.</summary>
    internal virtual string Reason => DeadLetterReasons.Rejected;
}
