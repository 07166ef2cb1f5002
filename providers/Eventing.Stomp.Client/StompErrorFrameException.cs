namespace Eventing.Stomp;

/// <summary>
/// The broker answered with a STOMP <c>ERROR</c> frame. <see cref="Exception.Message"/> names the endpoint and
/// carries the broker's <c>message</c> header; <see cref="Details"/> holds the frame body, when it has one.
/// </summary>
public sealed class StompErrorFrameException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StompErrorFrameException()
        : this("The STOMP broker sent an ERROR frame.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StompErrorFrameException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StompErrorFrameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception from the parts of an ERROR frame.</summary>
    /// <param name="message">What the client was doing and with which broker.</param>
    /// <param name="brokerMessage">The frame's <c>message</c> header.</param>
    /// <param name="details">The frame's body as text.</param>
    public StompErrorFrameException(string message, string? brokerMessage, string? details)
        : base(message)
    {
        BrokerMessage = brokerMessage;
        Details = details;
    }

    /// <summary>The <c>message</c> header of the ERROR frame: the broker's short description.</summary>
    public string? BrokerMessage { get; }

    /// <summary>The body of the ERROR frame: the broker's longer explanation, if it sent one.</summary>
    public string? Details { get; }
}
