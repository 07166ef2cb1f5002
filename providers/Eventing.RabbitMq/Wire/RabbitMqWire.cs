using System.Globalization;
using System.Text;
using Eventing.RabbitMq.Diagnostics;
using Eventing.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Wire;

/// <summary>
/// The AMQP 0-9-1 column of docs/wire.md: binary mode writes the id, content type, correlation id and event name in
/// the native <c>message_id</c>, <c>content_type</c>, <c>correlation_id</c> and <c>type</c> properties and every other
/// attribute as a string header <c>ce_&lt;name&gt;</c>;
/// structured mode writes the CloudEvent in the body, the native properties, and the envelope's extension headers
/// (so a dead-lettered structured message still carries its failure headers).
/// </summary>
internal static class RabbitMqWire
{
    /// <param name="envelope">The envelope to send.</param>
    /// <param name="durable">Whether the broker must keep the message on disk.</param>
    /// <param name="repeatNativeProperties">
    /// Whether the attributes a native property carries (id, type, content type, correlation id) also go as
    /// <c>ce_</c> headers, as Eventing 0.1 did (see <see cref="RabbitMqProviderOptions.RepeatNativePropertiesInHeaders"/>).
    /// </param>
    public static BasicProperties ToProperties(Envelope envelope, bool durable, bool repeatNativeProperties)
    {
        var properties = new BasicProperties
        {
            MessageId = ShortString(envelope.Id),
            ContentType = ShortString(envelope.DataContentType),
            CorrelationId = ShortString(envelope.CorrelationId),
            Type = ShortString(envelope.Type),
            DeliveryMode = durable ? DeliveryModes.Persistent : DeliveryModes.Transient,
        };

        // Strings only: 0-9-1 values of other types are dropped on the way to STOMP without an error. In structured
        // mode only the extensions set since the body was read (dead-letter reasons above all): readers put them
        // back on the envelope. In binary mode an attribute a native property carries is not repeated in a header:
        // every reader falls back to the property (STOMP on RabbitMQ gets them as amqp-message-id, type,
        // content-type and correlation-id), and the broker parses, stores and delivers fewer bytes.
        var native = repeatNativeProperties ? NativeAttributes.None : NativeIn(properties);
        var count = BinaryModeHeaders.CountFor(envelope);
        if (count > 0)
        {
            var headers = new Dictionary<string, object?>(count, StringComparer.Ordinal);
            BinaryModeHeaders.Underscore.Write(envelope, native, headers, static (table, name, value) => table[name] = value);
            properties.Headers = headers;
        }

        return properties;
    }

    /// <summary>
    /// Reads a delivered message. The body is copied: RabbitMQ.Client's buffer is only valid during the callback,
    /// and the core may still be handling the envelope after the callback returned. Never throws: a header whose
    /// value cannot be read as a string is logged and dropped; when mapping fails for another reason,
    /// <paramref name="failure"/> says why and the envelope holds what could be read (at least the body), for the
    /// core to dead-letter.
    /// </summary>
    public static Envelope FromMessage(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool redelivered, ILogger logger, string queue, out Exception? failure)
    {
        // The native type property is the envelope's type until a ce_type header says otherwise.
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
        var reader = new BinaryModeReader(envelope, properties.ContentType);
        if (properties.Headers is { } headers)
        {
            foreach (var header in headers)
            {
                if (!reader.Read(header.Key, header.Value, AsString))
                {
                    Log.HeaderDropped(logger, header.Key, queue);
                }
            }
        }

        // docs/wire.md: fall back to the native properties when a peer sent no CloudEvents header for them.
        if (!reader.FallBackToMessageId(properties.MessageId))
        {
            Log.HeaderDropped(logger, "message_id", queue);
        }

        reader.FallBackToContentType(properties.ContentType);
        if (!reader.FallBackToCorrelationId(properties.CorrelationId))
        {
            Log.HeaderDropped(logger, "correlation_id", queue);
        }
    }

    // A value too long for a short string was left out of its native property, so it goes in its header.
    private static NativeAttributes NativeIn(BasicProperties properties) =>
        (properties.MessageId is null ? NativeAttributes.None : NativeAttributes.Id)
        | (properties.Type is null ? NativeAttributes.None : NativeAttributes.Type)
        | (properties.ContentType is null ? NativeAttributes.None : NativeAttributes.DataContentType)
        | (properties.CorrelationId is null ? NativeAttributes.None : NativeAttributes.CorrelationId);

    // Native properties are AMQP short strings: a longer value would make RabbitMQ.Client throw on every publish
    // of that message; it travels in its ce_ header only.
    private static string? ShortString(string? value) => BinaryModeHeaders.FitsShortString(value) ? value : null;

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
