namespace Eventing.Wire;

/// <summary>
/// The attributes a protocol carried in native properties of one message, so its binary-mode headers can leave them
/// out: a reader falls back to the native property when no header carried the attribute.
/// </summary>
[Flags]
internal enum NativeAttributes
{
    /// <summary>Every attribute goes in a header.</summary>
    None = 0,

    /// <summary>The id is in the native message id.</summary>
    Id = 1,

    /// <summary>The event name is in a native type property.</summary>
    Type = 2,

    /// <summary>The data content type is in the native content type.</summary>
    DataContentType = 4,

    /// <summary>The correlation id is in the native correlation id.</summary>
    CorrelationId = 8,

    /// <summary>
    /// The time is written by the provider itself, formatted straight into its frame (<see cref="Envelope.TimeFormat"/>)
    /// rather than as a string per message.
    /// </summary>
    Time = 16,
}
