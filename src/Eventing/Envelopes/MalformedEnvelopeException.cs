namespace Eventing;

/// <summary>An envelope that cannot be read: not valid JSON, or not a valid CloudEvent.</summary>
public sealed class MalformedEnvelopeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MalformedEnvelopeException(string problem, Exception? inner = null)
        : base($"Malformed envelope: {problem}.", inner)
    {
    }
}
