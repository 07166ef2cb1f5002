using System.Buffers;
using System.Text;
using Eventing.Stomp;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Tests.Protocol;

public class FrameCodecTests
{
    private static readonly StompFrameDecoder Decoder = new(StompLimits.Default);

    internal static StompFrame DecodeOne(byte[] bytes, StompFrameDecoder? decoder = null)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True((decoder ?? Decoder).TryDecode(ref buffer, out var frame), "expected a whole frame");
        Assert.True(buffer.IsEmpty, "expected the frame to use every byte");
        return frame!;
    }

    private static byte[] Encode(StompFrame frame)
    {
        var writer = new ArrayBufferWriter<byte>();
        StompFrameEncoder.Write(writer, frame);
        return writer.WrittenSpan.ToArray();
    }

    private static StompFrame Frame(string command, string body, params (string Name, string Value)[] headers) =>
        new(command, [.. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))], Encoding.UTF8.GetBytes(body));

    [Fact]
    public void Message_frame_round_trips_with_headers_and_body()
    {
        var frame = DecodeOne(Encode(Frame("MESSAGE", "{\"a\":1}", ("destination", "/queue/a"), ("ce_id", "42"), ("subscription", "0"))));
        Assert.Equal("MESSAGE", frame.Command);
        Assert.Equal("/queue/a", frame["destination"]);
        Assert.Equal("42", frame["ce_id"]);
        Assert.Equal("7", frame["content-length"]);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(frame.Body.Span));
    }

    [Fact]
    public void Header_escapes_round_trip_for_cr_lf_colon_and_backslash()
    {
        const string value = "a:b\\c\r\nd";
        var bytes = Encode(Frame("SEND", "", ("x", value), ("k:ey", "v")));
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("x:a\\cb\\\\c\\r\\nd\n", text, StringComparison.Ordinal);
        Assert.Contains("k\\cey:v\n", text, StringComparison.Ordinal);
        var frame = DecodeOne(bytes);
        Assert.Equal(value, frame["x"]);
        Assert.Equal("v", frame["k:ey"]);
    }

    [Fact]
    public void Connect_and_connected_headers_are_not_escaped()
    {
        var writer = new ArrayBufferWriter<byte>();
        StompFrameEncoder.WriteCommand(writer, "CONNECT");
        StompFrameEncoder.WriteHeader(writer, "passcode", "a:b\\c", escape: false);
        StompFrameEncoder.WriteEnd(writer);
        Assert.Equal("CONNECT\npasscode:a:b\\c\n\n\0", Encoding.UTF8.GetString(writer.WrittenSpan));
        var frame = DecodeOne(Encoding.UTF8.GetBytes("CONNECTED\nversion:1.2\nserver:x\\y\n\n\0"));
        Assert.Equal("x\\y", frame["server"]);
    }

    [Fact]
    public void Content_length_body_may_hold_nul()
    {
        var body = new byte[] { 1, 0, 2, 0, 0, 3 };
        var frame = DecodeOne(Encode(new StompFrame("MESSAGE", [], body)));
        Assert.Equal(body, frame.Body.ToArray());
    }

    [Fact]
    public void Body_without_content_length_ends_at_the_first_nul()
    {
        var bytes = Encoding.UTF8.GetBytes("MESSAGE\nsubscription:0\n\nhello\0MESSAGE\n\nnext\0");
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(Decoder.TryDecode(ref buffer, out var first));
        Assert.Equal("hello", Encoding.UTF8.GetString(first!.Body.Span));
        Assert.True(Decoder.TryDecode(ref buffer, out var second));
        Assert.Equal("next", Encoding.UTF8.GetString(second!.Body.Span));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Utf8_names_values_and_bodies_survive()
    {
        var frame = DecodeOne(Encode(Frame("MESSAGE", "Grüße 🌍", ("ce_note", "naïve — 日本"))));
        Assert.Equal("naïve — 日本", frame["ce_note"]);
        Assert.Equal("Grüße 🌍", Encoding.UTF8.GetString(frame.Body.Span));
    }

    [Fact]
    public void First_of_repeated_headers_wins()
    {
        var frame = DecodeOne(Encoding.UTF8.GetBytes("MESSAGE\nfoo:first\nfoo:second\nbar:1\n\n\0"));
        Assert.Equal("first", frame["foo"]);
        Assert.Equal(2, frame.Headers.Count);
    }

    [Fact]
    public void Crlf_line_endings_and_heart_beats_between_frames_are_accepted()
    {
        var bytes = Encoding.UTF8.GetBytes("\n\r\n\nRECEIPT\r\nreceipt-id:7\r\n\r\n\0\n\n");
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(Decoder.TryDecode(ref buffer, out var frame));
        Assert.Equal("7", frame!["receipt-id"]);
        Assert.False(Decoder.TryDecode(ref buffer, out _));
        Assert.True(buffer.IsEmpty, "trailing heart-beats are consumed");
    }

    [Fact]
    public void A_frame_split_at_every_byte_decodes_only_when_complete()
    {
        var bytes = Encode(Frame("MESSAGE", "payload\0with nul", ("destination", "/topic/x"), ("ce_id", "1")));
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(Decoder.TryDecode(ref partial, out _), $"decoded a frame from {cut} of {bytes.Length} bytes");
        }

        // The same frame spread over many one-byte segments.
        var frame = DecodeSegmented(bytes);
        Assert.Equal("payload\0with nul", Encoding.UTF8.GetString(frame.Body.Span));
        Assert.Equal("/topic/x", frame["destination"]);
    }

    private static StompFrame DecodeSegmented(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1));
        var last = first;
        for (var i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }

        var buffer = new ReadOnlySequence<byte>(first, 0, last, 1);
        Assert.True(Decoder.TryDecode(ref buffer, out var frame));
        Assert.True(buffer.IsEmpty);
        return frame!;
    }

    [Fact]
    public void Binary_and_invalid_utf8_header_values_are_dropped_and_the_message_kept()
    {
        var bytes = Concat("MESSAGE\nsubscription:0\nx-amqp-1.0-app-properties:"u8.ToArray(), [0x00, 0xC3, 0x28, 0xFF, 0x01],
            "\nx-bad-name-\u00e9:ok\nce_id:abc\n"u8.ToArray(), [0xFE, 0xFF, (byte)':', (byte)'v', (byte)'\n'],
            "content-length:4\n\nbody\0"u8.ToArray());
        var frame = DecodeOne(bytes);
        Assert.Equal("abc", frame["ce_id"]);
        Assert.Null(frame["x-amqp-1.0-app-properties"]);
        Assert.Equal(["x-amqp-1.0-app-properties", "(undecodable)"], frame.DroppedHeaders);
        Assert.Equal("body", Encoding.UTF8.GetString(frame.Body.Span));
    }

    [Theory]
    [InlineData("FOO\n\n\0", "Unknown STOMP command")]
    [InlineData("RECEIPT\nnocolon\n\n\0", "has no ':'")]
    [InlineData("RECEIPT\n:value\n\n\0", "empty name")]
    [InlineData("ERROR\nkey:a\\tb\n\n\0", "undefined escape")]
    [InlineData("ERROR\nkey:ab\\\n\n\0", "lone backslash")]
    [InlineData("MESSAGE\ncontent-length:abc\n\n\0", "content-length")]
    [InlineData("MESSAGE\ncontent-length:-1\n\n\0", "content-length")]
    [InlineData("MESSAGE\ncontent-length:2\n\nabc\0", "not followed by NUL")]
    [InlineData("\rMESSAGE\n\n\0", "carriage return")]
    public void Broken_frames_raise_a_clear_protocol_exception(string text, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        var exception = Assert.Throws<StompProtocolException>(() => Decoder.TryDecode(ref buffer, out _));
        Assert.Contains(expected, exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Limits_on_frame_size_header_count_and_line_length_are_enforced_on_the_brokers_own_frames()
    {
        var small = new StompFrameDecoder(new StompLimits(MaxFrameBytes: 4096, MaxHeaderCount: 16, MaxHeaderLineBytes: 1024));

        var manyHeaders = new StringBuilder("ERROR\n");
        for (var i = 0; i < 17; i++)
        {
            manyHeaders.Append('h').Append(i).Append(":v\n");
        }

        AssertThrows(small, manyHeaders.Append("\n\0").ToString(), "more than 16 headers");
        AssertThrows(small, "RECEIPT\nh:" + new string('x', 2000), "longer than 1024");
        AssertThrows(small, "ERROR\ncontent-length:5000\n\n", "larger than 4096");
        AssertThrows(small, "ERROR\n\n" + new string('x', 5000), "larger than 4096");
        AssertThrows(small, "MESSAGE\nh:" + new string('x', 5000), "longer than");
        AssertThrows(small, new string('X', 2000), "longer than 1024");
    }

    private static void AssertThrows(StompFrameDecoder decoder, string text, string expected)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        var exception = Assert.Throws<StompProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
