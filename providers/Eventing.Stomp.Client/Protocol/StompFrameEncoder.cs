using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Eventing.Stomp.Client.Protocol;

/// <summary>
/// Writes STOMP 1.2 frames into an <see cref="IBufferWriter{T}"/>: command line, headers (escaped unless the frame
/// is CONNECT or CONNECTED), then either an empty body or <c>content-length</c> and the body, then NUL.
/// </summary>
internal static class StompFrameEncoder
{
    private static readonly SearchValues<char> Escapable = SearchValues.Create("\r\n:\\");
    private static readonly SearchValues<char> Unescapable = SearchValues.Create("\r\n\0");

    public static void WriteCommand(IBufferWriter<byte> writer, string command)
    {
        WriteAscii(writer, command);
        WriteByte(writer, (byte)'\n');
    }

    /// <summary>Writes one header line; <paramref name="escape"/> is false only for CONNECT and CONNECTED.</summary>
    /// <exception cref="ArgumentException">An unescaped header holds CR, LF or NUL, which would inject headers.</exception>
    public static void WriteHeader(IBufferWriter<byte> writer, string name, string value, bool escape = true)
    {
        if (!escape && (name.AsSpan().IndexOfAny(Unescapable) >= 0 || value.AsSpan().IndexOfAny(Unescapable) >= 0))
        {
            // The options validator rejects these at start; this keeps any other caller from injecting headers.
            throw new ArgumentException($"The unescaped STOMP header '{name}' holds CR, LF or NUL (the value is not shown).", nameof(value));
        }

        WriteText(writer, name, escape);
        WriteByte(writer, (byte)':');
        WriteText(writer, value, escape);
        WriteByte(writer, (byte)'\n');
    }

    /// <summary>Writes one escaped header line whose value is formatted in place rather than held in a string.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, string name, ReadOnlySpan<char> value)
    {
        WriteText(writer, name, escape: true);
        WriteByte(writer, (byte)':');
        WriteText(writer, value, escape: true);
        WriteByte(writer, (byte)'\n');
    }

    /// <summary>
    /// The bytes of the header line <c>name:value</c> once UTF-8 encoded and escaped (without its LF): what a
    /// broker's header line limit is checked against. Escaping doubles every CR, LF, colon and backslash.
    /// </summary>
    public static int EncodedLineLength(string name, string value)
    {
        return Length(name) + 1 + Length(value);

        static int Length(string text)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            var rest = text.AsSpan();
            for (var at = rest.IndexOfAny(Escapable); at >= 0; at = rest.IndexOfAny(Escapable))
            {
                length++;
                rest = rest[(at + 1)..];
            }

            return length;
        }
    }

    /// <summary>
    /// True when <c>name:value</c> surely fits <paramref name="maxLineBytes"/> without counting: a UTF-16 char is at
    /// most 3 UTF-8 bytes, and an escaped char is 2.
    /// </summary>
    public static bool SurelyFits(string name, string value, int maxLineBytes) =>
        (name.Length + 1L + value.Length) * 3 <= maxLineBytes;

    public static void WriteHeader(IBufferWriter<byte> writer, string name, long value)
    {
        WriteAscii(writer, name);
        var span = writer.GetSpan(21);
        span[0] = (byte)':';
        Utf8Formatter.TryFormat(value, span[1..], out var written);
        span[written + 1] = (byte)'\n';
        writer.Advance(written + 2);
    }

    /// <summary>Ends the headers of a frame without a body.</summary>
    public static void WriteEnd(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(2);
        span[0] = (byte)'\n';
        span[1] = 0;
        writer.Advance(2);
    }

    /// <summary>
    /// Writes <c>content-length</c>, ends the headers and writes the body and NUL. The length header lets the body
    /// hold NUL bytes.
    /// </summary>
    public static void WriteBody(IBufferWriter<byte> writer, ReadOnlySpan<byte> body)
    {
        WriteHeader(writer, StompHeaders.ContentLength, body.Length);
        var span = writer.GetSpan(body.Length + 2);
        span[0] = (byte)'\n';
        body.CopyTo(span[1..]);
        span[body.Length + 1] = 0;
        writer.Advance(body.Length + 2);
    }

    /// <summary>Writes a whole frame from its model (tests and tools; the hot paths write headers directly).</summary>
    public static void Write(IBufferWriter<byte> writer, StompFrame frame)
    {
        var escape = StompCommands.UsesEscapes(frame.Command);
        WriteCommand(writer, frame.Command);
        foreach (var header in frame.Headers)
        {
            if (!string.Equals(header.Key, StompHeaders.ContentLength, StringComparison.Ordinal))
            {
                WriteHeader(writer, header.Key, header.Value, escape);
            }
        }

        WriteBody(writer, frame.Body.Span);
    }

    private static void WriteText(IBufferWriter<byte> writer, ReadOnlySpan<char> text, bool escape)
    {
        while (true)
        {
            var index = escape ? text.IndexOfAny(Escapable) : -1;
            WriteUtf8(writer, index < 0 ? text : text[..index]);
            if (index < 0)
            {
                return;
            }

            var span = writer.GetSpan(2);
            span[0] = (byte)'\\';
            span[1] = text[index] switch
            {
                '\r' => (byte)'r',
                '\n' => (byte)'n',
                ':' => (byte)'c',
                _ => (byte)'\\',
            };
            writer.Advance(2);
            text = text[(index + 1)..];
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> writer, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        writer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void WriteAscii(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        writer.Advance(text.Length);
    }

    private static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }
}
