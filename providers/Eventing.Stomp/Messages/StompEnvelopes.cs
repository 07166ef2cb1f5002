using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Messages;

/// <summary>
/// Maps envelopes to SEND frames and MESSAGE frames back to envelopes, by docs/wire.md: every CloudEvents attribute as
/// header <c>ce_&lt;name&gt;</c>, plus <c>content-type</c>, <c>correlation-id</c> and <c>persistent:true</c> for
/// durable events. Never <c>message-id</c>, <c>priority</c>, <c>expires</c>, <c>timestamp</c> or <c>x-</c>
/// headers: ActiveMQ replaces or chokes on the first four, RabbitMQ takes <c>x-</c> as queue arguments.
/// </summary>
internal static class StompEnvelopes
{
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

            WriteChecked(frame, StompHeaders.ContentType, envelope.DataContentType, CloudEventAttributes.DataContentType);
            // RabbitMQ copies the native correlation-id into the AMQP 0-9-1 correlation_id, a short string of at most
            // 255 bytes; a longer one makes RabbitMQ close every 0-9-1 reader of that queue (541 INTERNAL_ERROR). The
            // value always travels as ce_correlationid too, so a long one goes only there.
            if (envelope.CorrelationId is { } correlation && FitsShortString(correlation))
            {
                WriteChecked(frame, StompHeaders.CorrelationId, correlation, CloudEventAttributes.CorrelationId);
            }

            if (envelope.IsStructured)
            {
                // The required attributes are in the body; only the id and type go beside it too, so that a body
                // nobody can parse (a dead-lettered broken CloudEvent) still says which message it was.
                WriteAttribute(frame, CloudEventAttributes.Id, envelope.Id);
                if (envelope.Type.Length > 0)
                {
                    WriteAttribute(frame, CloudEventAttributes.Type, envelope.Type);
                }

                foreach (var header in envelope.Headers)
                {
                    WriteAttribute(frame, header.Key, header.Value);
                }
            }
            else
            {
                foreach (var attribute in envelope.GetAttributes())
                {
                    WriteAttribute(frame, attribute.Key, attribute.Value);
                }
            }

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
    /// Reads a MESSAGE frame. Attributes come from headers with any CloudEvents prefix; the native
    /// <c>content-type</c>, <c>correlation-id</c> and <c>message-id</c> fill in when no attribute was sent. A value
    /// that breaks the attribute rules is dropped with a warning; the message is always returned.
    /// </summary>
    public static Envelope Read(StompFrame frame, ILogger logger)
    {
        var envelope = new Envelope(string.Empty, frame.Body);
        string? contentType = null;
        string? correlationId = null;
        string? messageId = null;
        var hasId = false;
        var hasContentType = false;
        var hasCorrelationId = false;
        foreach (var header in frame.Headers)
        {
            var name = header.Key;
            if (CloudEventAttributes.TryGetAttributeName(name, out var attribute))
            {
                if (!envelope.TrySetAttribute(attribute, header.Value))
                {
                    Log.AttributeDropped(logger, name, frame[StompHeaders.MessageId] ?? "?", frame[StompHeaders.Destination] ?? "?");
                    continue;
                }

                switch (attribute)
                {
                    case CloudEventAttributes.Id:
                        hasId = true;
                        break;
                    case CloudEventAttributes.DataContentType:
                        hasContentType = true;
                        break;
                    case CloudEventAttributes.CorrelationId:
                        hasCorrelationId = true;
                        break;
                }
            }
            else if (ReferenceEquals(name, StompHeaders.ContentType))
            {
                contentType = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.CorrelationId))
            {
                correlationId = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.MessageId))
            {
                messageId = header.Value;
            }
            else if (ReferenceEquals(name, StompHeaders.Redelivered))
            {
                envelope.Redelivered = string.Equals(header.Value, "true", StringComparison.OrdinalIgnoreCase);
            }
        }

        if (!hasContentType && !string.IsNullOrEmpty(contentType))
        {
            envelope.DataContentType = contentType;
        }

        if (!hasCorrelationId && correlationId is not null)
        {
            envelope.Headers.TrySet(CloudEventAttributes.CorrelationId, correlationId);
        }

        // A foreign producer without ce_id still gets an id that is stable across redeliveries.
        if (!hasId && messageId is not null)
        {
            envelope.TrySetAttribute(CloudEventAttributes.Id, messageId);
        }

        if (frame.DroppedHeaders is { } dropped)
        {
            Log.HeadersDropped(logger, string.Join(", ", dropped), messageId ?? "?", frame[StompHeaders.Destination] ?? "?");
        }

        return envelope;
    }

    private static void WriteAttribute(FrameBuffer writer, string attribute, string value)
    {
        CheckLine(attribute, Prefix.Length + attribute.Length, value, attribute);

        // "ce_" + name without building the concatenated string per message.
        var span = writer.GetSpan(3);
        span[0] = (byte)'c';
        span[1] = (byte)'e';
        span[2] = (byte)'_';
        writer.Advance(3);
        StompFrameEncoder.WriteHeader(writer, attribute, value);
    }

    private static void WriteChecked(FrameBuffer writer, string name, string value, string attribute)
    {
        CheckLine(name, name.Length, value, attribute);
        StompFrameEncoder.WriteHeader(writer, name, value);
    }

    private const string Prefix = "ce_";

    // The core bounds a header value at 8 KiB of UTF-8, but escaping doubles every ':' and '\': 8,192 colons are a
    // 16 KiB line, which ActiveMQ answers by closing the connection that every other send shares. Refuse it
    // here, naming the header, before a byte of the frame is queued.
    private static void CheckLine(string name, int nameLength, string value, string attribute)
    {
        const int max = StompLimits.MaxSentHeaderLineBytes;
        if (StompFrameEncoder.SurelyFits(name, value, max - (nameLength - name.Length)))
        {
            return;
        }

        var length = StompFrameEncoder.EncodedLineLength(name, value) + (nameLength - name.Length);
        if (length > max)
        {
            throw new InvalidHeaderException(attribute,
                $"on the STOMP wire it is a {length}-byte header line once ':', '\\', CR and LF are escaped (each doubles), " +
                $"more than the {max} bytes STOMP brokers accept (ActiveMQ Classic closes the connection over a longer line); shorten the value");
        }
    }

    private const int MaxShortStringBytes = 255;

    private static bool FitsShortString(string value) =>
        value.Length <= MaxShortStringBytes / 3 || System.Text.Encoding.UTF8.GetByteCount(value) <= MaxShortStringBytes;
}
