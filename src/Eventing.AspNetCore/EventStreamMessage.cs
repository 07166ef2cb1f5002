using System.Text;

namespace Eventing.AspNetCore;

/// <summary>
/// One message a carrier sends to a client: a structured-mode CloudEvent (the CloudEvents JSON format), encoded once
/// per event and shared by every connection that gets it.
/// </summary>
public sealed class EventStreamMessage
{
    private string? _text;

    internal EventStreamMessage(string id, string type, ReadOnlyMemory<byte> utf8Json, object? @event, bool isControl)
    {
        Id = id;
        Type = type;
        Utf8Json = utf8Json;
        Event = @event;
        IsControl = isControl;
    }

    /// <summary>The CloudEvent id (SSE <c>id:</c>, the value a client resumes after).</summary>
    public string Id { get; }

    /// <summary>The CloudEvent type: the event name, or <c>eventing.gap</c> for a control event.</summary>
    public string Type { get; }

    /// <summary>The whole CloudEvent as UTF-8 JSON on one line (no line breaks, so it fits one SSE <c>data:</c> line).</summary>
    public ReadOnlyMemory<byte> Utf8Json { get; }

    /// <summary>The same JSON as a string, decoded on first use and then shared (text carriers such as SSE).</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(Utf8Json.Span);

    /// <summary>True for messages the stream itself sends (<c>eventing.gap</c>), not events from the bus.</summary>
    public bool IsControl { get; }

    /// <summary>The deserialized event, for the per-connection filters; null on control messages.</summary>
    internal object? Event { get; }
}
