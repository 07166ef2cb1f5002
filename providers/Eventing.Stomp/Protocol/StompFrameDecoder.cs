using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Eventing.Stomp.Protocol;

/// <summary>
/// Decodes STOMP 1.2 frames from a byte stream. Stateless between calls: it either takes one whole frame off the
/// front of the buffer, or leaves the buffer as it is and asks for more bytes, or throws
/// <see cref="StompProtocolException"/>. Every pending frame is bounded by <see cref="StompLimits"/>, so a
/// peer cannot make the caller buffer without end.
/// </summary>
/// <remarks>
/// Headers are read line by line and the body by <c>content-length</c> when present (so it may hold NUL),
/// otherwise up to the first NUL. A header whose name or value is not valid UTF-8 or contains NUL is dropped and
/// reported in <see cref="StompFrame.DroppedHeaders"/> instead of failing the frame: RabbitMQ 3.10 forwards
/// AMQP 1.0 messages with binary <c>x-amqp-1.0-*</c> headers, and those messages must still be delivered.
/// </remarks>
internal sealed class StompFrameDecoder
{
    private const string Undecodable = "(undecodable)";
    private const int StackScratchBytes = 256;

    // Names and values that occur on nearly every frame are interned so a MESSAGE does not allocate a string
    // for each of them.
    private static readonly HashSet<string> Interned = new(StringComparer.Ordinal)
    {
        StompHeaders.AcceptVersion, StompHeaders.Host, StompHeaders.Login, StompHeaders.Passcode, StompHeaders.HeartBeat,
        StompHeaders.Version, StompHeaders.Server, StompHeaders.Session, StompHeaders.Destination, StompHeaders.ContentType,
        StompHeaders.ContentLength, StompHeaders.Receipt, StompHeaders.ReceiptId, StompHeaders.Id, StompHeaders.Ack,
        StompHeaders.Subscription, StompHeaders.MessageId, StompHeaders.Message, StompHeaders.Persistent,
        StompHeaders.Redelivered, StompHeaders.CorrelationId, "expires", "priority", "timestamp", "ack-mode",
        "ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_datacontenttype", "ce_correlationid",
        "ce_traceparent", "ce_tracestate", "ce_deliveryattempt", "true", "false", "1.0", "1.2", "0",
        "application/json", "application/cloudevents+json", "client-individual",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> InternedLookup = Interned.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly StompLimits _limits;

    public StompFrameDecoder(StompLimits limits)
    {
        _limits = limits;
    }

    public StompLimits Limits => _limits;

    /// <summary>
    /// Takes the next frame off <paramref name="buffer"/>. Heart-beats (EOLs between frames) are consumed too.
    /// </summary>
    /// <returns>False when the buffer does not hold a whole frame yet; <paramref name="buffer"/> then starts at the
    /// first unconsumed byte.</returns>
    /// <exception cref="StompProtocolException">The bytes are not a valid frame or break a limit.</exception>
    public bool TryDecode(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out StompFrame? frame)
    {
        frame = null;
        var reader = new SequenceReader<byte>(buffer);
        SkipHeartBeats(ref reader);
        buffer = buffer.Slice(reader.Position);
        if (reader.End)
        {
            return false;
        }

        reader = new SequenceReader<byte>(buffer);
        byte[]? scratch = null;
        try
        {
            if (!TryReadLine(ref reader, ref scratch, out var commandLine))
            {
                return false;
            }

            var command = StompCommands.Parse(commandLine)
                ?? throw new StompProtocolException($"Unknown STOMP command '{Printable(commandLine)}'.");
            var escaped = StompCommands.UsesEscapes(command);
            var headers = new List<KeyValuePair<string, string>>(8);
            List<string>? dropped = null;
            var contentLength = -1;
            var seen = 0;
            while (true)
            {
                if (!TryReadLine(ref reader, ref scratch, out var line))
                {
                    return false;
                }

                if (line.IsEmpty)
                {
                    break;
                }

                if (++seen > _limits.MaxHeaderCount)
                {
                    throw new StompProtocolException($"A {command} frame has more than {_limits.MaxHeaderCount} headers (the limit).");
                }

                if (reader.Consumed > _limits.MaxFrameBytes)
                {
                    throw TooLarge(command);
                }

                ReadHeader(line, escaped, headers, ref dropped, ref contentLength);
            }

            ReadOnlyMemory<byte> body;
            if (contentLength >= 0)
            {
                if (contentLength > _limits.MaxFrameBytes - reader.Consumed)
                {
                    throw TooLarge(command);
                }

                if (reader.Remaining < contentLength + 1L)
                {
                    return false;
                }

                body = contentLength == 0 ? ReadOnlyMemory<byte>.Empty : reader.UnreadSequence.Slice(0, contentLength).ToArray();
                reader.Advance(contentLength);
                reader.TryRead(out var terminator);
                if (terminator != 0)
                {
                    throw new StompProtocolException(
                        $"The body of a {command} frame with content-length {contentLength} is not followed by NUL.");
                }
            }
            else
            {
                var window = reader.UnreadSequence;
                var limit = _limits.MaxFrameBytes - reader.Consumed;
                if (window.Length > limit + 1)
                {
                    window = window.Slice(0, limit + 1);
                }

                var nul = window.PositionOf((byte)0);
                if (nul is null)
                {
                    if (window.Length > limit)
                    {
                        throw TooLarge(command);
                    }

                    return false;
                }

                var bodySequence = window.Slice(0, nul.Value);
                body = bodySequence.IsEmpty ? ReadOnlyMemory<byte>.Empty : bodySequence.ToArray();
                reader.Advance(bodySequence.Length + 1);
            }

            buffer = buffer.Slice(reader.Position);
            frame = new StompFrame(command, headers, body, dropped);
            return true;
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    private static void SkipHeartBeats(ref SequenceReader<byte> reader)
    {
        while (reader.TryPeek(out var b))
        {
            if (b == (byte)'\n')
            {
                reader.Advance(1);
            }
            else if (b == (byte)'\r')
            {
                if (!reader.TryPeek(1, out var next))
                {
                    return;
                }

                if (next != (byte)'\n')
                {
                    throw new StompProtocolException("A carriage return between frames is not followed by a line feed.");
                }

                reader.Advance(2);
            }
            else
            {
                return;
            }
        }
    }

    // Reads one line (without its CR LF or LF), bounded by MaxHeaderLineBytes. A line that spans buffer
    // segments is copied into the pooled scratch array.
    private bool TryReadLine(ref SequenceReader<byte> reader, ref byte[]? scratch, out ReadOnlySpan<byte> line)
    {
        line = default;
        var max = _limits.MaxHeaderLineBytes;
        var window = reader.UnreadSequence;
        if (window.Length > max + 2L)
        {
            window = window.Slice(0, max + 2L);
        }

        var end = window.PositionOf((byte)'\n');
        if (end is null)
        {
            if (window.Length > max + 1L)
            {
                throw new StompProtocolException($"A frame line is longer than {max} bytes (the limit).");
            }

            return false;
        }

        var lineSequence = window.Slice(0, end.Value);
        if (lineSequence.IsSingleSegment)
        {
            line = lineSequence.FirstSpan;
        }
        else
        {
            var length = (int)lineSequence.Length;
            if (scratch is null || scratch.Length < length)
            {
                if (scratch is not null)
                {
                    ArrayPool<byte>.Shared.Return(scratch);
                }

                scratch = ArrayPool<byte>.Shared.Rent(Math.Max(length, StackScratchBytes));
            }

            lineSequence.CopyTo(scratch);
            line = scratch.AsSpan(0, length);
        }

        reader.Advance(lineSequence.Length + 1);
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > max)
        {
            throw new StompProtocolException($"A frame line is longer than {max} bytes (the limit).");
        }

        return true;
    }

    private static void ReadHeader(
        ReadOnlySpan<byte> line, bool escaped, List<KeyValuePair<string, string>> headers, ref List<string>? dropped, ref int contentLength)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            throw new StompProtocolException($"The header line '{Printable(line)}' has no ':'.");
        }

        if (colon == 0)
        {
            throw new StompProtocolException($"The header line '{Printable(line)}' has an empty name.");
        }

        var rawName = line[..colon];
        var rawValue = line[(colon + 1)..];
        byte[]? rented = null;
        try
        {
            // Unescaping only ever shrinks, so the raw length bounds the result.
            Span<byte> buffer = line.Length <= StackScratchBytes
                ? stackalloc byte[StackScratchBytes]
                : (rented = ArrayPool<byte>.Shared.Rent(line.Length));
            var nameBytes = escaped ? Unescape(rawName, buffer) : rawName;
            var valueBytes = escaped ? Unescape(rawValue, buffer[nameBytes.Length..]) : rawValue;
            if (!IsText(nameBytes))
            {
                (dropped ??= []).Add(Undecodable);
                return;
            }

            var name = Decode(nameBytes);
            if (!IsText(valueBytes))
            {
                (dropped ??= []).Add(name);
                return;
            }

            for (var i = 0; i < headers.Count; i++)
            {
                if (string.Equals(headers[i].Key, name, StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (ReferenceEquals(name, StompHeaders.ContentLength))
            {
                if (!Utf8Parser.TryParse(valueBytes, out int length, out var consumed) || consumed != valueBytes.Length || length < 0)
                {
                    throw new StompProtocolException($"The content-length header '{Printable(valueBytes)}' is not a non-negative integer.");
                }

                contentLength = length;
            }

            headers.Add(new(name, Decode(valueBytes)));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // STOMP 1.2 defines exactly four escapes; any other backslash sequence is a fatal protocol error.
    private static Span<byte> Unescape(ReadOnlySpan<byte> raw, Span<byte> target)
    {
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\')
            {
                if (++i == raw.Length)
                {
                    throw new StompProtocolException("A header ends with a lone backslash (STOMP 1.2 allows only \\r, \\n, \\c and \\\\).");
                }

                b = raw[i] switch
                {
                    (byte)'r' => (byte)'\r',
                    (byte)'n' => (byte)'\n',
                    (byte)'c' => (byte)':',
                    (byte)'\\' => (byte)'\\',
                    var other => throw new StompProtocolException(
                        $"A header holds the undefined escape '\\{Printable([other])}' (STOMP 1.2 allows only \\r, \\n, \\c and \\\\)."),
                };
            }

            target[length++] = b;
        }

        return target[..length];
    }

    private static bool IsText(ReadOnlySpan<byte> bytes) => bytes.IndexOf((byte)0) < 0 && Utf8.IsValid(bytes);

    private static string Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= 64)
        {
            Span<char> chars = stackalloc char[64];
            var count = Encoding.UTF8.GetChars(utf8, chars);
            if (InternedLookup.TryGetValue(chars[..count], out var interned))
            {
                return interned;
            }

            return new string(chars[..count]);
        }

        return Encoding.UTF8.GetString(utf8);
    }

    private StompProtocolException TooLarge(string command) =>
        new($"A {command} frame is larger than {_limits.MaxFrameBytes} bytes (the limit).");

    // For error messages only: never echo control characters or more than a short prefix of hostile input.
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes.Length > 40 ? bytes[..40] : bytes;
        var builder = new StringBuilder(shown.Length + 3);
        foreach (var b in shown)
        {
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        if (shown.Length < bytes.Length)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }
}
