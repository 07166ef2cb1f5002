using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Eventing.Stomp.Client.Protocol;

/// <summary>
/// Decodes STOMP 1.2 frames from a byte stream, one decoder per connection. It either takes one whole frame off the
/// front of the buffer, or asks for more bytes, or throws <see cref="StompProtocolException"/>. Every pending frame
/// is bounded by <see cref="StompLimits"/>, so a peer cannot make the caller buffer without end.
/// </summary>
/// <remarks>
/// A MESSAGE that breaks a limit or a header rule but can still be delimited (its header section ends within
/// <see cref="StompLimits.MaxFrameBytes"/>, and its body has a <c>content-length</c> or ends at a NUL) is not a
/// protocol error: it comes out with <see cref="StompFrame.Problem"/> set, so the message is dead-lettered and the
/// connection stays up. Throwing would drop the connection, the broker would redeliver the message, and the cycle
/// would repeat forever. A body over the limit is skipped as it arrives, never buffered: the only state this
/// decoder keeps between calls is how much of such a body is still to be skipped.
/// <para>
/// Headers are read line by line and the body by <c>content-length</c> when present (so it may hold NUL),
/// otherwise up to the first NUL. A header whose name or value is not valid UTF-8 or contains NUL is dropped and
/// reported in <see cref="StompFrame.DroppedHeaders"/> instead of failing the frame: RabbitMQ 3.10 forwards
/// AMQP 1.0 messages with binary <c>x-amqp-1.0-*</c> headers, and those messages must still be delivered.
/// </para>
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
        StompHeaders.Redelivered, StompHeaders.CorrelationId, StompHeaders.AmqpMessageId, StompHeaders.Type, "expires", "priority", "timestamp", "ack-mode",
        "ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_datacontenttype", "ce_correlationid",
        "ce_traceparent", "ce_tracestate", "ce_deliveryattempt", "true", "false", "1.0", "1.2", "0",
        "application/json", "application/cloudevents+json", "client-individual",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> InternedLookup = Interned.GetAlternateLookup<ReadOnlySpan<char>>();

    // Headers kept on a MESSAGE past MaxHeaderCount: what delimiting, settling and naming the message (in its
    // dead letter) need. Brokers do not keep the producer's header order.
    private static readonly string[] Essential =
    [
        StompHeaders.ContentLength, StompHeaders.Ack, StompHeaders.Subscription, StompHeaders.MessageId,
        StompHeaders.Destination, StompHeaders.Redelivered, StompHeaders.ContentType, "ce_id", "ce_type",
    ];

    private readonly StompLimits _limits;

    // A dropped body still arriving: bytes to skip, then the NUL that ends its frame; or skip up to the next NUL.
    private long _skip;
    private bool _expectNul;
    private bool _skipToNul;

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
        if (!Discard(ref buffer))
        {
            return false;
        }

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
            if (!TryReadLine(ref reader, ref scratch, 0, out var commandLine, out _))
            {
                return false;
            }

            var command = StompCommands.Parse(commandLine)
                ?? throw new StompProtocolException($"Unknown STOMP command '{Printable(commandLine)}'.");
            var escaped = StompCommands.UsesEscapes(command);

            // Only a MESSAGE is settled as poison; any other frame from the broker that breaks the rules is fatal.
            var lenient = ReferenceEquals(command, StompCommands.Message);
            var headers = new List<KeyValuePair<string, string>>(8);
            List<string>? dropped = null;
            Exception? problem = null;
            var contentLength = -1;
            var seen = 0;
            while (true)
            {
                var scan = lenient ? _limits.MaxFrameBytes - reader.Consumed : 0;
                if (!TryReadLine(ref reader, ref scratch, scan, out var line, out var overlong))
                {
                    return false;
                }

                if (reader.Consumed > _limits.MaxFrameBytes)
                {
                    throw TooLarge(command);
                }

                if (overlong)
                {
                    problem ??= new EnvelopeTooLargeException(
                        $"a header line of the MESSAGE ({Printable(line)}) is longer than {_limits.MaxHeaderLineBytes} bytes (StompProviderOptions.MaxHeaderLineBytes); the header was dropped");
                    continue;
                }

                if (line.IsEmpty)
                {
                    break;
                }

                if (++seen > _limits.MaxHeaderCount)
                {
                    if (!lenient)
                    {
                        throw new StompProtocolException($"A {command} frame has more than {_limits.MaxHeaderCount} headers (the limit).");
                    }

                    problem ??= new EnvelopeTooLargeException(
                        $"the MESSAGE has more than {_limits.MaxHeaderCount} headers (StompProviderOptions.MaxHeaderCount); the headers past the limit were dropped");
                    if (!IsEssential(line))
                    {
                        continue;
                    }
                }

                if (ReadHeader(line, escaped, headers, ref dropped, ref contentLength) is { } error)
                {
                    if (!lenient)
                    {
                        throw new StompProtocolException(error);
                    }

                    problem ??= new MalformedEnvelopeException(error + " The header was dropped");
                }
            }

            ReadOnlyMemory<byte> body;
            if (contentLength >= 0)
            {
                if (contentLength > _limits.MaxFrameBytes - reader.Consumed)
                {
                    if (!lenient)
                    {
                        throw TooLarge(command);
                    }

                    // Delimited by its length: skip the body as it arrives instead of buffering it.
                    _skip = contentLength;
                    _expectNul = true;
                    buffer = buffer.Slice(reader.Position);
                    frame = new StompFrame(command, headers, ReadOnlyMemory<byte>.Empty, dropped, BodyTooLarge(contentLength.ToString(CultureInfo.InvariantCulture)));
                    return true;
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
                        if (!lenient)
                        {
                            throw TooLarge(command);
                        }

                        // No NUL within the limit: what was read is dropped, the rest is skipped up to the NUL.
                        _skipToNul = true;
                        reader.Advance(window.Length);
                        buffer = buffer.Slice(reader.Position);
                        frame = new StompFrame(command, headers, ReadOnlyMemory<byte>.Empty, dropped, BodyTooLarge("more than " + limit.ToString(CultureInfo.InvariantCulture)));
                        return true;
                    }

                    return false;
                }

                var bodySequence = window.Slice(0, nul.Value);
                body = bodySequence.IsEmpty ? ReadOnlyMemory<byte>.Empty : bodySequence.ToArray();
                reader.Advance(bodySequence.Length + 1);
            }

            buffer = buffer.Slice(reader.Position);
            frame = new StompFrame(command, headers, body, dropped, problem);
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

    // Skips what is left of a dropped body. False while it is not all there yet (the buffer is then consumed).
    private bool Discard(ref ReadOnlySequence<byte> buffer)
    {
        if (_skip > 0)
        {
            var skipped = Math.Min(_skip, buffer.Length);
            buffer = buffer.Slice(skipped);
            _skip -= skipped;
            if (_skip > 0)
            {
                return false;
            }
        }

        if (_expectNul)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryRead(out var terminator))
            {
                return false;
            }

            if (terminator != 0)
            {
                throw new StompProtocolException("The dropped body of a MESSAGE frame is not followed by NUL (its content-length is wrong).");
            }

            _expectNul = false;
            buffer = buffer.Slice(reader.Position);
        }

        if (_skipToNul)
        {
            var nul = buffer.PositionOf((byte)0);
            if (nul is null)
            {
                buffer = buffer.Slice(buffer.End);
                return false;
            }

            _skipToNul = false;
            buffer = buffer.Slice(buffer.GetPosition(1, nul.Value));
        }

        return true;
    }

    private EnvelopeTooLargeException BodyTooLarge(string length) =>
        new($"the MESSAGE body has {length} bytes, more than StompProviderOptions.MaxFrameBytes ({_limits.MaxFrameBytes}) allows; the body was dropped");

    private static bool IsEssential(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        var name = line[..colon];
        foreach (var essential in Essential)
        {
            if (name.Length == essential.Length && EqualsAscii(name, essential))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EqualsAscii(ReadOnlySpan<byte> bytes, string text)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
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
    // segments is copied into the pooled scratch array. With scan > 0 a longer line is not an error as long as its
    // LF comes within scan bytes: it is consumed whole, and line is then only its first bytes (to name it).
    private bool TryReadLine(ref SequenceReader<byte> reader, ref byte[]? scratch, long scan, out ReadOnlySpan<byte> line, out bool overlong)
    {
        line = default;
        overlong = false;
        var max = _limits.MaxHeaderLineBytes;
        var bound = Math.Max(max + 2L, scan + 1);
        var window = reader.UnreadSequence;
        if (window.Length > bound)
        {
            window = window.Slice(0, bound);
        }

        var end = window.PositionOf((byte)'\n');
        if (end is null)
        {
            if (window.Length >= bound && scan <= max + 1L)
            {
                throw new StompProtocolException($"A frame line is longer than {max} bytes (the limit).");
            }

            if (window.Length >= bound)
            {
                throw new StompProtocolException($"A frame line is longer than {scan} bytes, the rest of the frame's limit.");
            }

            return false;
        }

        var lineSequence = window.Slice(0, end.Value);
        var consumed = lineSequence.Length + 1;
        if (lineSequence.Length > max + 1L)
        {
            if (scan <= 0)
            {
                throw new StompProtocolException($"A frame line is longer than {max} bytes (the limit).");
            }

            overlong = true;
            lineSequence = lineSequence.Slice(0, 40);
        }

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

        reader.Advance(consumed);
        if (overlong)
        {
            return true;
        }

        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > max)
        {
            if (scan <= 0)
            {
                throw new StompProtocolException($"A frame line is longer than {max} bytes (the limit).");
            }

            overlong = true;
            line = line[..40];
        }

        return true;
    }

    // Returns why the line is not a header (the caller throws, or drops it from a MESSAGE), or null. A broken
    // content-length is always fatal: without it the frame cannot be delimited.
    private static string? ReadHeader(
        ReadOnlySpan<byte> line, bool escaped, List<KeyValuePair<string, string>> headers, ref List<string>? dropped, ref int contentLength)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return $"The header line '{Printable(line)}' has no ':'.";
        }

        if (colon == 0)
        {
            return $"The header line '{Printable(line)}' has an empty name.";
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
            string? error = null;
            var nameBytes = escaped ? Unescape(rawName, buffer, ref error) : rawName;
            var valueBytes = escaped ? Unescape(rawValue, buffer[nameBytes.Length..], ref error) : rawValue;
            if (error is not null)
            {
                return error;
            }

            if (!IsText(nameBytes))
            {
                (dropped ??= []).Add(Undecodable);
                return null;
            }

            var name = Decode(nameBytes);
            if (!IsText(valueBytes))
            {
                (dropped ??= []).Add(name);
                return null;
            }

            for (var i = 0; i < headers.Count; i++)
            {
                if (string.Equals(headers[i].Key, name, StringComparison.Ordinal))
                {
                    return null;
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
            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // STOMP 1.2 defines exactly four escapes; any other backslash sequence breaks the header.
    private static Span<byte> Unescape(ReadOnlySpan<byte> raw, Span<byte> target, ref string? error)
    {
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\')
            {
                if (++i == raw.Length)
                {
                    error ??= "A header ends with a lone backslash (STOMP 1.2 allows only \\r, \\n, \\c and \\\\).";
                    return target[..length];
                }

                switch (raw[i])
                {
                    case (byte)'r':
                        b = (byte)'\r';
                        break;
                    case (byte)'n':
                        b = (byte)'\n';
                        break;
                    case (byte)'c':
                        b = (byte)':';
                        break;
                    case (byte)'\\':
                        b = (byte)'\\';
                        break;
                    default:
                        error ??= $"A header holds the undefined escape '\\{Printable([raw[i]])}' (STOMP 1.2 allows only \\r, \\n, \\c and \\\\).";
                        return target[..length];
                }
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
