namespace Eventing.Stomp.Client.Connections;

/// <summary>The connection closed before the broker answered; the frame may or may not have reached it.</summary>
internal sealed class StompConnectionLostException : Exception
{
    public StompConnectionLostException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
