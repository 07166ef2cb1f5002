namespace Eventing;

/// <summary>The values of the <c>deadletterreason</c> header.</summary>
public static class DeadLetterReasons
{
    /// <summary>The listener failed on every attempt.</summary>
    public const string Failed = "failed";

    /// <summary>The body is not valid JSON for the event, or not a valid CloudEvent.</summary>
    public const string Malformed = "malformed";

    /// <summary>The listener threw <see cref="DoNotRetryException"/>: it said no retry can help.</summary>
    public const string Rejected = "rejected";

    /// <summary>The envelope's type is not the listener's event.</summary>
    public const string UnknownEvent = "unknown-event";

    /// <summary>The envelope is larger than <see cref="EventingOptions.MaxEnvelopeBytes"/>.</summary>
    public const string TooLarge = "too-large";
}
