using System.Globalization;
using System.Text;
using Eventing.RabbitMq.Diagnostics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Wire;

/// <summary>
/// The AMQP 0-9-1 column of docs/wire.md: binary mode writes every attribute as a string header <c>ce_&lt;name&gt;</c>
/// plus the native <c>message_id</c>, <c>content_type</c>, <c>correlation_id</c> and <c>type</c> properties;
/// structured mode writes the CloudEvent in the body, the native properties, and the envelope's extension headers
/// (so a dead-lettered structured message still carries its failure headers).
/// </summary>
internal static class RabbitMqWire
{
    /// <summary>AMQP 0-9-1 delivery mode of persistent messages.</summary>
    public const DeliveryModes Persistent = DeliveryModes.Persistent;

    // Native properties are AMQP short strings: a length byte, so at most 255 bytes. A longer value would make
    // RabbitMQ.Client throw on every publish of that message; it travels in its ce_ header only.
    private const int MaxShortStringBytes = 255;

    public static BasicProperties ToProperties(Envelope envelope, bool durable)
    {
        var properties = new BasicProperties
        {
            MessageId = ShortString(envelope.Id),
            ContentType = ShortString(envelope.DataContentType),
            CorrelationId = ShortString(envelope.CorrelationId),
            Type = ShortString(envelope.Type),
            DeliveryMode = durable ? DeliveryModes.Persistent : DeliveryModes.Transient,
        };

        if (envelope.IsStructured)
        {
            // The attributes are in the body; the extensions set since it was read (dead-letter reasons above
            // all) would be lost without these headers. Readers put them back on the envelope.
            if (envelope.Headers.Count > 0)
            {
                var extensions = new Dictionary<string, object?>(envelope.Headers.Count, StringComparer.Ordinal);
                foreach (var header in envelope.Headers)
                {
                    extensions[HeaderName(header.Key)] = header.Value;
                }

                properties.Headers = extensions;
            }

            return properties;
        }

        var headers = new Dictionary<string, object?>(6 + envelope.Headers.Count, StringComparer.Ordinal);
        foreach (var attribute in envelope.GetAttributes())
        {
            // Strings only: 0-9-1 values of other types are dropped on the way to STOMP without an error.
            headers[HeaderName(attribute.Key)] = attribute.Value;
        }

        properties.Headers = headers;
        return properties;
    }

    /// <summary>
    /// Reads a delivered message. The body is copied: RabbitMQ.Client's buffer is only valid during the callback,
    /// and the core may still be handling the envelope after the callback returned. Never throws: a header whose
    /// value cannot be read as a string is logged and dropped.
    /// </summary>
    public static Envelope FromMessage(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool redelivered, ILogger logger, string queue) =>
        FromMessage(properties, body, redelivered, logger, queue, out _);

    /// <summary>
    /// Reads a delivered message like <see cref="FromMessage(IReadOnlyBasicProperties, ReadOnlyMemory{byte}, bool, ILogger, string)"/>;
    /// when mapping fails for a reason other than an unreadable header value, <paramref name="failure"/> says why
    /// and the envelope holds what could be read (at least the body), for the core to dead-letter.
    /// </summary>
    public static Envelope FromMessage(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool redelivered, ILogger logger, string queue, out Exception? failure)
    {
        var envelope = new Envelope(properties.Type ?? string.Empty, body.ToArray())
        {
            Redelivered = redelivered,
        };

        try
        {
            ReadAttributes(envelope, properties, logger, queue);
            failure = null;
        }
        catch (Exception exception)
        {
            // A property RabbitMQ.Client cannot hand over, or anything else this mapping did not foresee: the
            // message is poison, never an exception in the consumer callback.
            failure = new InvalidOperationException($"The AMQP 0-9-1 properties of a message on {queue} could not be read as a CloudEvent: {exception.Message}", exception);
        }

        return envelope;
    }

    private static void ReadAttributes(Envelope envelope, IReadOnlyBasicProperties properties, ILogger logger, string queue)
    {
        var contentType = properties.ContentType;
        // In structured mode the body holds the attributes; only extensions are read from headers, so a stray
        // ce_datacontenttype cannot turn the message into a binary one.
        var structured = contentType is not null && contentType.StartsWith(Envelope.StructuredContentType, StringComparison.OrdinalIgnoreCase);
        bool hasId = false, hasContentType = false, hasCorrelation = false;
        if (properties.Headers is { } headers)
        {
            foreach (var header in headers)
            {
                if (!CloudEventAttributes.TryGetAttributeName(header.Key, out var attribute) || (structured && IsContextAttribute(attribute)))
                {
                    continue;
                }

                var value = AsString(header.Value);
                if (value is null || !envelope.TrySetAttribute(attribute, value))
                {
                    Log.HeaderDropped(logger, header.Key, queue);
                    continue;
                }

                hasId |= attribute == CloudEventAttributes.Id;
                hasContentType |= attribute == CloudEventAttributes.DataContentType;
                hasCorrelation |= attribute == CloudEventAttributes.CorrelationId;
            }
        }

        // docs/wire.md: fall back to the native properties when a peer sent no CloudEvents header for them.
        if (!hasId && properties.MessageId is { } messageId && !envelope.TrySetAttribute(CloudEventAttributes.Id, messageId))
        {
            Log.HeaderDropped(logger, "message_id", queue);
        }

        if (!hasContentType && contentType is not null)
        {
            envelope.DataContentType = contentType;
        }

        if (!hasCorrelation && properties.CorrelationId is { } correlation && !envelope.TrySetAttribute(CloudEventAttributes.CorrelationId, correlation))
        {
            Log.HeaderDropped(logger, "correlation_id", queue);
        }
    }

    private static bool IsContextAttribute(string attribute) => attribute is CloudEventAttributes.SpecVersion or CloudEventAttributes.Id
        or CloudEventAttributes.Type or CloudEventAttributes.Source or CloudEventAttributes.Time or CloudEventAttributes.DataContentType;

    private static string? ShortString(string? value) =>
        value is null || (value.Length * 3 > MaxShortStringBytes && Encoding.UTF8.GetByteCount(value) > MaxShortStringBytes) ? null : value;

    private static string HeaderName(string attribute) => attribute switch
    {
        // The common names are constants so a send does not allocate one string per attribute.
        CloudEventAttributes.SpecVersion => "ce_specversion",
        CloudEventAttributes.Id => "ce_id",
        CloudEventAttributes.Type => "ce_type",
        CloudEventAttributes.Source => "ce_source",
        CloudEventAttributes.Time => "ce_time",
        CloudEventAttributes.DataContentType => "ce_datacontenttype",
        CloudEventAttributes.CorrelationId => "ce_correlationid",
        CloudEventAttributes.TraceParent => "ce_traceparent",
        CloudEventAttributes.TraceState => "ce_tracestate",
        _ => CloudEventAttributes.HeaderPrefix + attribute,
    };

    // Null for what is not a scalar (tables, arrays) or cannot be represented (a timestamp outside DateTime):
    // such a header is dropped with a warning, the message itself is still read.
    private static string? AsString(object? value) => value switch
    {
        // RabbitMQ.Client hands long strings over as raw bytes.
        byte[] bytes => DecodeUtf8(bytes),
        string text => text,
        int or long or short or byte or sbyte or uint or ulong or ushort or decimal or double or float or bool => Convert.ToString(value, CultureInfo.InvariantCulture),
        AmqpTimestamp timestamp => FormatTimestamp(timestamp.UnixTime),
        _ => null,
    };

    private static string? FormatTimestamp(long unixSeconds) =>
        unixSeconds is < MinUnixSeconds or > MaxUnixSeconds
            ? null
            : DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // The range DateTimeOffset.FromUnixTimeSeconds accepts (years 0001 to 9999).
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    private static string? DecodeUtf8(byte[] bytes)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
