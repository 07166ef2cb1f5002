using System.Text.Json.Serialization.Metadata;

namespace Eventing;

/// <summary>What Eventing knows about one event: its name, its record type and how it travels.</summary>
public sealed class EventDescriptor
{
    /// <summary>Describes an event by name, for senders that have no record type (tools, bridges).</summary>
    public EventDescriptor(string name, bool durable = false, ContentMode contentMode = ContentMode.Binary)
    {
        EventNames.Check(name, null);
        Name = name;
        Durable = durable;
        ContentMode = contentMode;
    }

    internal EventDescriptor(string name, Type clrType, bool durable, ContentMode contentMode, JsonTypeInfo typeInfo)
        : this(name, durable, contentMode)
    {
        ClrType = clrType;
        TypeInfo = typeInfo;
    }

    /// <summary>The event name: the CloudEvents <c>type</c> and the address on the broker.</summary>
    public string Name { get; }

    /// <summary>The record type, when the event was registered from one.</summary>
    public Type? ClrType { get; }

    /// <summary>Durable events are persistent and confirmed by the broker before a send completes.</summary>
    public bool Durable { get; }

    /// <summary>Binary (attributes in headers) or structured (attributes in the body).</summary>
    public ContentMode ContentMode { get; }

    internal JsonTypeInfo? TypeInfo { get; }

    // Span names, built once per event rather than once per message.
    internal string SendSpanName => field ??= "send " + Name;

    internal string CreateSpanName => field ??= "create " + Name;

    internal string ProcessSpanName => field ??= "process " + Name;

    /// <inheritdoc />
    public override string ToString() => ClrType is null ? Name : $"{Name} ({ClrType.Name})";
}
