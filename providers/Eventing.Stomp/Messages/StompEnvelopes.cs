using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Messages;

/// <summary>
/// Maps envelopes to SEND frames and MESSAGE frames back to envelopes, by WIRE.md: every CloudEvents attribute as
/// header <c>ce_&lt;name&gt;</c>, plus <c>content-type</c>, <c>correlation-id</c> and <c>persistent:true</c> for
/// durable events. Never <c>message-id</c>, <c>priority</c>, <c>expires</c>, <c>timestamp</c> or <c>x-</c>
/// headers: ActiveMQ replaces or chokes on the first four, RabbitMQ takes <c>x-</c> as queue arguments.
/// </summary>
internal static class StompEnvelopes
{
    /// <summary>Encodes a SEND frame; <paramref name="receipt"/> is 0 for none.</summary>
    public static FrameBuffer EncodeSend(
        Envelope envelope, string destination, KeyValuePair<string, string>[] extraHeaders, bool persistent, long receipt)
    {
        var frame = new FrameBuffer(envelope.Body.Length + 512);
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

        StompFrameEncoder.WriteHeader(frame, StompHeaders.ContentType, envelope.DataContentType);
        if (envelope.CorrelationId is { } correlation)
        {
            StompFrameEncoder.WriteHeader(frame, StompHeaders.CorrelationId, correlation);
        }

        // A structured-mode body already carries every attribute; headers beyond the content type would only
        // duplicate it.
        if (!envelope.IsStructured)
        {
            foreach (var attribute in envelope.GetAttributes())
            {
                WriteAttribute(frame, attribute.Key, attribute.Value);
            }
        }

        StompFrameEncoder.WriteBody(frame, envelope.Body.Span);
        return frame;
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
        // "ce_" + name without building the concatenated string per message.
        var span = writer.GetSpan(3);
        span[0] = (byte)'c';
        span[1] = (byte)'e';
        span[2] = (byte)'_';
        writer.Advance(3);
        StompFrameEncoder.WriteHeader(writer, attribute, value);
    }
}
