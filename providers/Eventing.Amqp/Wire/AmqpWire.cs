using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Eventing.Amqp.Diagnostics;
using Eventing.Wire;
using Microsoft.Extensions.Logging;

namespace Eventing.Amqp.Wire;

/// <summary>
/// The AMQP 1.0 row of docs/wire.md: message id, correlation id and content type in the properties section; every
/// CloudEvents attribute as a <c>cloudEvents_</c> string application-property (binary mode); the body as one
/// Data section; header durable for durable events.
/// </summary>
internal static class AmqpWire
{
    /// <summary>Builds the AMQP message of an envelope. Structured envelopes carry their attributes in the body.</summary>
    public static Message Encode(Envelope envelope, bool durable)
    {
        var message = new Message
        {
            // Never AmqpValue: other protocols would receive the AMQP encoding of the value instead of the JSON.
            BodySection = new Data { Binary = ToArray(envelope.Body) },
            Properties = new Properties(),
        };

        // A string, never ulong or uuid, so 0-9-1 and STOMP consumers on RabbitMQ read it as it was sent. RabbitMQ
        // maps these properties to AMQP 0-9-1 short strings (at most 255 bytes): a longer value would reach 0-9-1
        // readers as a property they cannot decode, so it travels in its cloudEvents_ property only.
        if (BinaryModeHeaders.FitsShortString(envelope.Id))
        {
            message.Properties.MessageId = envelope.Id;
        }

        // The CloudEvents AMQP binding puts datacontenttype in content-type only, never in an application property.
        var native = NativeAttributes.None;
        if (BinaryModeHeaders.FitsShortString(envelope.DataContentType))
        {
            message.Properties.ContentType = envelope.DataContentType;
            native = NativeAttributes.DataContentType;
        }

        if (BinaryModeHeaders.FitsShortString(envelope.CorrelationId))
        {
            message.Properties.CorrelationId = envelope.CorrelationId;
        }

        if (durable)
        {
            message.Header = new Header { Durable = true };
        }

        // CloudEvents AMQP binding: in binary mode each attribute but datacontenttype is an application-property with
        // the cloudEvents_ prefix. In structured mode the attributes are in the body and content-type says so; the extensions set
        // since the body was read (dead-letter reasons above all) still go as application-properties.
        if (BinaryModeHeaders.CountFor(envelope) > 0)
        {
            var properties = new ApplicationProperties();
            BinaryModeHeaders.AmqpProperties.Write(envelope, native, properties.Map, static (map, name, value) => map[name] = value);
            message.ApplicationProperties = properties;
        }

        return message;
    }

    /// <summary>
    /// Reads an envelope from a received message: attributes from application-properties with any CloudEvents
    /// prefix, falling back to the properties section for id, content type and correlation id. Never throws for
    /// what a message contains: an attribute that breaks the rules is logged and dropped.
    /// </summary>
    public static Envelope Decode(Message message, ILogger logger, string queue)
    {
        var body = ReadBody(message, out var section);
        var envelope = new Envelope(string.Empty, body);
        var properties = message.Properties;
        var reader = new BinaryModeReader(envelope, properties?.ContentType);
        if (message.ApplicationProperties is { } applicationProperties)
        {
            foreach (var entry in applicationProperties.Map)
            {
                if (entry.Key is string name && !reader.Read(name, entry.Value, Format))
                {
                    Log.AttributeDropped(logger, name, properties?.MessageId ?? string.Empty, queue);
                }
            }
        }

        if (properties is not null)
        {
            if (Format(properties.GetMessageId()) is { } id && !reader.FallBackToMessageId(id))
            {
                Log.AttributeDropped(logger, "message-id", id, queue);
            }

            reader.FallBackToContentType(properties.ContentType);
            if (Format(properties.GetCorrelationId()) is { } correlationId && !reader.FallBackToCorrelationId(correlationId))
            {
                Log.AttributeDropped(logger, "correlation-id", envelope.Id, queue);
            }

            // Not part of docs/wire.md: a peer that names the event in the subject still reaches its listener.
            reader.FallBackToType(properties.Subject);
        }

        if (section is not null)
        {
            Log.UnexpectedBody(logger, envelope.Id, queue, section);
        }

        // Measured on RabbitMQ 3.10: a first delivery has first-acquirer true, a delivery after a release false
        // (with delivery-count still 0). Other brokers count failed deliveries in delivery-count.
        envelope.Redelivered = message.Header is { } header && (!header.FirstAcquirer || header.DeliveryCount > 0);
        return envelope;
    }

    private static byte[] ToArray(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : body.ToArray();

    // `section` names a body that is not Data, for a warning: peers that send AmqpValue strings or binaries are
    // still read, since the bytes are what the core needs.
    private static ReadOnlyMemory<byte> ReadBody(Message message, out string? section)
    {
        section = null;
        switch (message.BodySection)
        {
            case null:
                return ReadOnlyMemory<byte>.Empty;
            case Data data:
                // The connection has no buffer manager, so received buffers are plain arrays that are never
                // reused: the body can point into them without a copy.
                return data.Buffer is { } buffer
                    ? new ReadOnlyMemory<byte>(buffer.Buffer, buffer.Offset, buffer.Length)
                    : data.Binary;
            case DataList list:
                var writer = new MemoryStream();
                for (var i = 0; i < list.Count; i++)
                {
                    writer.Write(list[i].Binary);
                }

                return writer.ToArray();
            case AmqpValue { Value: string text }:
                section = "amqp-value string";
                return Encoding.UTF8.GetBytes(text);
            case AmqpValue { Value: byte[] bytes }:
                section = "amqp-value binary";
                return bytes;
            default:
                section = message.BodySection.GetType().Name;
                return ReadOnlyMemory<byte>.Empty;
        }
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        string text => text,
        Symbol symbol => symbol,
        DateTime time => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        Guid guid => guid.ToString("D", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };
}
