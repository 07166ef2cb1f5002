namespace Eventing;

/// <summary>An event or listener is registered in a way that cannot work; raised at startup.</summary>
public sealed class EventRegistrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EventRegistrationException(string message)
        : base(message)
    {
    }
}
