namespace Eventing;

/// <summary>How a CloudEvent is laid out on the wire.</summary>
public enum ContentMode
{
    /// <summary>Attributes in protocol headers, the record's JSON as the body. The default.</summary>
    Binary,

    /// <summary>The whole CloudEvent as JSON in the body; for paths where headers do not survive.</summary>
    Structured,
}
