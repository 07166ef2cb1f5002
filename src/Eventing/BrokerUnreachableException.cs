namespace Eventing;

/// <summary>
/// The broker could not be reached, refused the credentials, or stayed away longer than a send may wait.
/// The message names the endpoint, with any password masked.
/// </summary>
public sealed class BrokerUnreachableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BrokerUnreachableException(string endpoint, string message, Exception? inner = null)
        : base(message, inner)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint, without secrets.</summary>
    public string Endpoint { get; }
}
