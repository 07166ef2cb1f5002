using System.Globalization;
using System.Text;
using Eventing.RabbitMq.Diagnostics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Wire;

/// <summary>
/// The AMQP 0-9-1 column of WIRE.md: binary mode writes every attribute as a string header <c>ce_&lt;name&gt;</c>
/// plus the native <c>message_id</c>, <c>content_type</c>, <c>correlation_id</c> and <c>type</c> properties;
/// structured mode writes the CloudEvent in the body and only the native properties.
/// </summary>
internal static class RabbitMqWire
{
    /// <summary>AMQP 0-9-1 delivery mode of persistent messages.</summary>
    public const DeliveryModes Persistent = DeliveryModes.Persistent;

    public static BasicProperties ToProperties(Envelope envelope, bool durable)
    {
        var properties = new BasicProperties
        {
            MessageId = envelope.Id,
            ContentType = envelope.DataContentType,
            CorrelationId = envelope.CorrelationId,
            Type = envelope.Type,
            DeliveryMode = durable ? DeliveryModes.Persistent : DeliveryModes.Transient,
        };

        if (envelope.IsStructured)
        {
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
    /// and the core may still be handling the envelope after the callback returned.
    /// </summary>
    public static Envelope FromMessage(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool redelivered, ILogger logger, string queue)
    {
        var envelope = new Envelope(properties.Type ?? string.Empty, body.ToArray())
        {
            Redelivered = redelivered,
        };

        bool hasId = false, hasContentType = false, hasCorrelation = false;
        if (properties.Headers is { } headers)
        {
            foreach (var header in headers)
            {
                if (!CloudEventAttributes.TryGetAttributeName(header.Key, out var attribute))
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

        // WIRE.md: fall back to the native properties when a peer sent no CloudEvents header for them.
        if (!hasId && properties.MessageId is { } messageId && !envelope.TrySetAttribute(CloudEventAttributes.Id, messageId))
        {
            Log.HeaderDropped(logger, "message_id", queue);
        }

        if (!hasContentType && properties.ContentType is { } contentType)
        {
            envelope.DataContentType = contentType;
        }

        if (!hasCorrelation && properties.CorrelationId is { } correlation && !envelope.TrySetAttribute(CloudEventAttributes.CorrelationId, correlation))
        {
            Log.HeaderDropped(logger, "correlation_id", queue);
        }

        return envelope;
    }

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

    private static string? AsString(object? value) => value switch
    {
        // RabbitMQ.Client hands long strings over as raw bytes.
        byte[] bytes => DecodeUtf8(bytes),
        string text => text,
        int or long or short or byte or sbyte or uint or ulong or ushort or decimal or double or float or bool => Convert.ToString(value, CultureInfo.InvariantCulture),
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => null,
    };

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
