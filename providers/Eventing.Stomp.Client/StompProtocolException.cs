namespace Eventing.Stomp;

/// <summary>
/// The peer sent bytes that are not a valid STOMP 1.2 frame, or a frame that breaks a configured limit. The
/// connection that read them is closed; the provider reconnects.
/// </summary>
public sealed class StompProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StompProtocolException()
        : this("The STOMP peer sent an invalid frame.")
    {
    }

    /// <summary>Creates the exception with a message that says what was wrong.</summary>
    public StompProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StompProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
