using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Eventing.AspNetCore.Streams;

/// <summary>
/// The control events a stream sends on its own, as CloudEvents of type <c>eventing.gap</c>: the client missed
/// events (its buffer overflowed, or it resumed after an id the replay ring no longer holds) and should reload state.
/// </summary>
internal static class ControlMessages
{
    public const string GapType = "eventing.gap";

    /// <summary>Events dropped from a slow connection's buffer.</summary>
    public static EventStreamMessage Dropped(string stream, long dropped) => Gap(stream, "dropped", dropped, null);

    /// <summary>A resume from an id older than the replay ring (or unknown to this instance).</summary>
    public static EventStreamMessage ResumeMissed(string stream, string after) => Gap(stream, "resume", null, after);

    private static EventStreamMessage Gap(string stream, string reason, long? dropped, string? after)
    {
        var id = Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", Envelope.SpecVersion);
            writer.WriteString("id", id);
            writer.WriteString("type", GapType);
            writer.WriteString("source", "/eventing/streams/" + stream);
            writer.WriteString("time", DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", Envelope.JsonContentType);
            writer.WriteStartObject("data");
            writer.WriteString("reason", reason);
            if (dropped is { } count)
            {
                writer.WriteNumber("dropped", count);
            }

            if (after is not null)
            {
                writer.WriteString("after", after);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return new EventStreamMessage(id, GapType, buffer.WrittenMemory, null, isControl: true);
    }
}
