using System.Buffers;
using System.Text.Json;

namespace Eventing;

/// <summary>
/// The CloudEvents JSON event format (structured content mode): every attribute and the data in one JSON
/// body with content type <c>application/cloudevents+json</c>. Used on paths where headers do not survive.
/// </summary>
public static class StructuredCloudEvent
{
    /// <summary>Writes <paramref name="envelope"/> as a structured-mode CloudEvent.</summary>
    public static byte[] Encode(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var buffer = new ArrayBufferWriter<byte>(envelope.Body.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var attribute in envelope.GetAttributes())
            {
                writer.WriteString(attribute.Key, attribute.Value);
            }

            if (IsJson(envelope.DataContentType) && envelope.Body.Length > 0)
            {
                writer.WritePropertyName("data");
                using var data = JsonDocument.Parse(envelope.Body);
                data.RootElement.WriteTo(writer);
            }
            else if (envelope.Body.Length > 0)
            {
                writer.WriteBase64String("data_base64", envelope.Body.Span);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Wraps <paramref name="envelope"/> into a structured-mode envelope with the same id and type.</summary>
    public static Envelope ToStructured(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var structured = new Envelope(envelope.Type, Encode(envelope))
        {
            Id = envelope.Id,
            Source = envelope.Source,
            Time = envelope.Time,
            DataContentType = Envelope.StructuredContentType,
        };
        if (envelope.CorrelationId is { } correlation)
        {
            structured.CorrelationId = correlation;
        }

        return structured;
    }

    /// <summary>Reads a structured-mode CloudEvent body into a binary-mode envelope.</summary>
    /// <exception cref="MalformedEnvelopeException">The body is not a valid structured CloudEvent.</exception>
    public static Envelope Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedEnvelopeException("a structured CloudEvent must be a JSON object");
            }

            if (!root.TryGetProperty(CloudEventAttributes.Type, out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new MalformedEnvelopeException("a structured CloudEvent needs a string 'type'");
            }

            ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
            if (root.TryGetProperty("data", out var dataElement))
            {
                data = JsonSerializer.SerializeToUtf8Bytes(dataElement);
            }
            else if (root.TryGetProperty("data_base64", out var base64))
            {
                if (base64.ValueKind != JsonValueKind.String)
                {
                    throw new MalformedEnvelopeException($"data_base64 must be a base64 string, not {base64.ValueKind}");
                }

                data = base64.GetBytesFromBase64();
            }

            var envelope = new Envelope(type.GetString()!, data);
            foreach (var property in root.EnumerateObject())
            {
                if (property.NameEquals("data") || property.NameEquals("data_base64") || property.NameEquals(CloudEventAttributes.Type))
                {
                    continue;
                }

                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    _ => property.Value.GetRawText(),
                };
                if (value is not null && !envelope.TrySetAttribute(property.Name, value))
                {
                    throw new MalformedEnvelopeException($"attribute '{property.Name}' breaks the CloudEvents rules");
                }
            }

            if (!root.TryGetProperty(CloudEventAttributes.DataContentType, out _))
            {
                envelope.DataContentType = Envelope.JsonContentType;
            }

            return envelope;
        }
        catch (JsonException exception)
        {
            throw new MalformedEnvelopeException($"the body is not JSON ({exception.Message})", exception);
        }
        catch (FormatException exception)
        {
            throw new MalformedEnvelopeException($"data_base64 is not base64 ({exception.Message})", exception);
        }
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ||
        contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);
}
