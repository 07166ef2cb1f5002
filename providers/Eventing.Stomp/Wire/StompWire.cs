using System.Globalization;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Diagnostics;
using Eventing.Wire;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Wire;

/// <summary>
/// Maps envelopes to SEND frames and MESSAGE frames back to envelopes, by docs/wire.md: the content type and
/// correlation id in <c>content-type</c> and <c>correlation-id</c>, every other CloudEvents attribute as header
/// <c>ce_&lt;name&gt;</c>, and <c>persistent:true</c> for durable events. Never <c>message-id</c>,
/// <c>priority</c>, <c>expires</c>, <c>timestamp</c> or <c>x-</c> headers: ActiveMQ replaces or chokes on the first
/// four, RabbitMQ takes <c>x-</c> as queue arguments.
/// </summary>
internal static class StompWire
{
    // yyyy-MM-ddTHH:mm:ss.fffffffZ is 28; room to spare.
    private const int TimeChars = 40;

    private static readonly BinaryModeHeaders Names = BinaryModeHeaders.Underscore;

    /// <summary>
    /// Encodes a SEND frame; <paramref name="receipt"/> is 0 for none. A structured-mode envelope carries its
    /// attributes in the body, and its extension headers (<see cref="Envelope.Headers"/>: the failure headers of a
    /// dead letter, the correlation id) as <c>ce_</c> headers beside it, so they are never lost.
    /// </summary>
    /// <exception cref="InvalidHeaderException">A header line would be longer than brokers accept once escaped.</exception>
    public static FrameBuffer EncodeSend(
        Envelope envelope, string destination, KeyValuePair<string, string>[] extraHeaders, bool persistent, long receipt)
    {
        var frame = new FrameBuffer(envelope.Body.Length + 512);
        try
        {
            StompFrameEncoder.WriteCommand(frame, StompCommands.Send);
            StompFrameEncoder.WriteHeader(frame, StompHeaders.Destination, destination);
            foreach (var header in extraHeaders)
            {
                StompFrameEncoder.WriteHeader(frame, header.Key, header.Value);
            }

            if (receipt != 0)
            {
                StompFrameEncoder.WriteHeader(frame, StompHeaders.Receipt, receipt);
            }

            if (persistent)
            {
                StompFrameEncoder.WriteHeader(frame, StompHeaders.Persistent, "true");
            }

            // The content type and correlation id travel in their native headers, which every reader falls back to,
            // and are not repeated as ce_ headers.
            WriteChecked(frame, StompHeaders.ContentType, envelope.DataContentType, CloudEventAttributes.DataContentType);
            var native = NativeAttributes.DataContentType;

            // RabbitMQ copies the native correlation-id into the AMQP 0-9-1 correlation_id, a short string; a longer
            // one makes RabbitMQ close every 0-9-1 reader of that queue (541 INTERNAL_ERROR): it goes as
            // ce_correlationid only.
            if (envelope.CorrelationId is { } correlation && BinaryModeHeaders.FitsShortString(correlation))
            {
                WriteChecked(frame, StompHeaders.CorrelationId, correlation, CloudEventAttributes.CorrelationId);
                native |= NativeAttributes.CorrelationId;
            }

            if (envelope.IsStructured)
            {
                // The required attributes are in the body; the id and type go beside it too, so that a body nobody
                // can parse (a dead-lettered broken CloudEvent) still says which message it was to people and tools.
                WriteAttribute(frame, CloudEventAttributes.Id, envelope.Id);
                if (envelope.Type.Length > 0)
                {
                    WriteAttribute(frame, CloudEventAttributes.Type, envelope.Type);
                }
            }

            if (!envelope.IsStructured)
            {
                // Formatted into the frame: a time string per message would be most of what encoding allocates.
                Span<char> time = stackalloc char[TimeChars];
                envelope.Time.UtcDateTime.TryFormat(time, out var length, Envelope.TimeFormat, CultureInfo.InvariantCulture);
                StompFrameEncoder.WriteHeader(frame, Names.NameOf(CloudEventAttributes.Time), time[..length]);
                native |= NativeAttributes.Time;
            }

            Names.Write(envelope, native, frame, static (writer, name, value) => WriteChecked(writer, name, value, attribute: null));
            StompFrameEncoder.WriteBody(frame, envelope.Body.Span);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a MESSAGE frame the way every provider reads binary-mode headers (<see cref="BinaryModeReader"/>): the
    /// native <c>content-type</c>, <c>correlation-id</c> and <c>message-id</c> fill in when no attribute was sent. A
    /// value that breaks the attribute rules is dropped with a warning; the message is always returned.
    /// </summary>
    public static Envelope Read(StompFrame frame, ILogger logger)
    {
        var envelope = new Envelope(string.Empty, frame.Body);
        string? contentType = frame[StompHeaders.ContentType];
        var reader = new BinaryModeReader(envelope, contentType);
        string? correlationId = null;
        string? messageId = null;
        string? amqpMessageId = null;
        string? type = null;
        foreach (var header in frame.Headers)
        {
            var name = header.Key;
            if (!reader.Read(name, header.Value))
            {
                Log.AttributeDropped(logger, name, frame[StompHeaders.MessageId] ?? "?", frame[StompHeaders.Destination] ?? "?");
            }
            else if (ReferenceEquals(name, StompHeaders.CorrelationId))
            {
                correlationId = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.MessageId))
            {
                messageId = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.AmqpMessageId))
            {
                amqpMessageId = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.Type))
            {
                type = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.Redelivered))
            {
                envelope.Redelivered = string.Equals(header.Value, "true", StringComparison.OrdinalIgnoreCase);
            }
        }

        reader.FallBackToContentType(contentType);
        if (!reader.FallBackToCorrelationId(correlationId))
        {
            Log.AttributeDropped(logger, StompHeaders.CorrelationId, messageId ?? "?", frame[StompHeaders.Destination] ?? "?");
        }

        // A message published over AMQP 0-9-1 on RabbitMQ carries its id and event name in the native message_id and
        // type properties only, which RabbitMQ hands over as amqp-message-id and type. A foreign producer without
        // either id still gets one that is stable across redeliveries: the broker's message-id.
        reader.FallBackToType(type);
        if (amqpMessageId is not null && !reader.FallBackToMessageId(amqpMessageId))
        {
            Log.AttributeDropped(logger, StompHeaders.AmqpMessageId, messageId ?? "?", frame[StompHeaders.Destination] ?? "?");
        }

        if (!reader.FallBackToMessageId(messageId))
        {
            Log.AttributeDropped(logger, StompHeaders.MessageId, messageId ?? "?", frame[StompHeaders.Destination] ?? "?");
        }

        if (frame.DroppedHeaders is { } dropped)
        {
            Log.HeadersDropped(logger, string.Join(", ", dropped), messageId ?? "?", frame[StompHeaders.Destination] ?? "?");
        }

        return envelope;
    }

    private static void WriteAttribute(FrameBuffer writer, string attribute, string value) =>
        WriteChecked(writer, Names.NameOf(attribute), value, attribute);

    // The core bounds a header value at 8 KiB of UTF-8, but escaping doubles every ':' and '\': 8,192 colons are a
    // 16 KiB line, which ActiveMQ answers by closing the connection that every other send shares. Refuse it
    // here, naming the header, before a byte of the frame is queued.
    // attribute: what the exception names; null for a ce_ header, whose attribute is the name without the prefix.
    private static void WriteChecked(FrameBuffer writer, string name, string value, string? attribute)
    {
        const int max = StompLimits.MaxSentHeaderLineBytes;
        if (!StompFrameEncoder.SurelyFits(name, value, max) && StompFrameEncoder.EncodedLineLength(name, value) is var length && length > max)
        {
            throw new InvalidHeaderException(attribute ?? name[CloudEventAttributes.HeaderPrefix.Length..],
                $"on the STOMP wire it is a {length}-byte header line once ':', '\\', CR and LF are escaped (each doubles), " +
                $"more than the {max} bytes STOMP brokers accept (ActiveMQ Classic closes the connection over a longer line); shorten the value");
        }

        StompFrameEncoder.WriteHeader(writer, name, value);
    }
}
