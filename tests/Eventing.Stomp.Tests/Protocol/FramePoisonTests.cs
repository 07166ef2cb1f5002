using System.Buffers;
using System.Text;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Tests.Protocol;

/// <summary>
/// A MESSAGE that breaks a limit or a header rule but can be delimited comes out as poison (its problem set, the
/// connection kept), and the next frame on the stream decodes as usual.
/// </summary>
public class FramePoisonTests
{
    private static readonly StompLimits Small = new(MaxFrameBytes: 64 * 1024, MaxHeaderCount: 256, MaxHeaderLineBytes: 4096);
    private const string Good = "MESSAGE\nsubscription:0\nmessage-id:good\nack:a-good\ncontent-length:2\n\nok\0";

    private static List<StompFrame> DecodeAll(StompFrameDecoder decoder, byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var frames = new List<StompFrame>();
        while (decoder.TryDecode(ref buffer, out var frame))
        {
            frames.Add(frame);
        }

        Assert.True(buffer.IsEmpty, "every byte was used");
        return frames;
    }

    private static void AssertGoodFollows(List<StompFrame> frames)
    {
        Assert.Equal(2, frames.Count);
        Assert.Null(frames[1].Problem);
        Assert.Equal("a-good", frames[1][StompHeaders.Ack]);
        Assert.Equal("ok", Encoding.UTF8.GetString(frames[1].Body.Span));
    }

    [Fact]
    public void A_message_with_300_headers_is_poison_that_keeps_its_ack_and_body_even_past_the_limit()
    {
        var text = new StringBuilder("MESSAGE\n");
        for (var i = 0; i < 300; i++)
        {
            text.Append('h').Append(i).Append(":v\n");
        }

        text.Append("subscription:0\nmessage-id:m-1\nack:a-1\ncontent-length:4\n\nbody\0").Append(Good);
        var frames = DecodeAll(new StompFrameDecoder(StompLimits.Default), Encoding.UTF8.GetBytes(text.ToString()));

        var poison = frames[0];
        var problem = Assert.IsType<EnvelopeTooLargeException>(poison.Problem);
        Assert.Contains("more than 256 headers (StompProviderOptions.MaxHeaderCount)", problem.Message, StringComparison.Ordinal);
        Assert.Equal("a-1", poison[StompHeaders.Ack]);
        Assert.Equal("m-1", poison[StompHeaders.MessageId]);
        Assert.Null(poison["h299"]);
        Assert.Equal("body", Encoding.UTF8.GetString(poison.Body.Span));
        AssertGoodFollows(frames);
    }

    [Fact]
    public void A_header_line_over_the_limit_is_dropped_and_the_message_is_poison()
    {
        var bytes = Encoding.UTF8.GetBytes("MESSAGE\nack:a-1\nbig:" + new string('x', 10_000) + "\nmessage-id:m-1\n\nbody\0" + Good);
        var frames = DecodeAll(new StompFrameDecoder(Small), bytes);

        var problem = Assert.IsType<EnvelopeTooLargeException>(frames[0].Problem);
        Assert.Contains("longer than 4096 bytes (StompProviderOptions.MaxHeaderLineBytes)", problem.Message, StringComparison.Ordinal);
        Assert.Contains("big:xxx", problem.Message, StringComparison.Ordinal);
        Assert.Null(frames[0]["big"]);
        Assert.Equal("m-1", frames[0][StompHeaders.MessageId]);
        Assert.Equal("body", Encoding.UTF8.GetString(frames[0].Body.Span));
        AssertGoodFollows(frames);
    }

    [Theory]
    [InlineData("key:a\\tb", "undefined escape")]
    [InlineData("key:ab\\", "lone backslash")]
    [InlineData("nocolon", "has no ':'")]
    [InlineData(":value", "empty name")]
    public void A_header_that_breaks_stomp_rules_makes_the_message_malformed_poison(string line, string expected)
    {
        var frames = DecodeAll(new StompFrameDecoder(Small), Encoding.UTF8.GetBytes($"MESSAGE\nack:a-1\n{line}\n\nbody\0{Good}"));

        var problem = Assert.IsType<MalformedEnvelopeException>(frames[0].Problem);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.Equal("a-1", frames[0][StompHeaders.Ack]);
        AssertGoodFollows(frames);
    }

    [Fact]
    public void A_body_over_the_frame_limit_is_skipped_as_it_arrives_without_being_buffered()
    {
        var decoder = new StompFrameDecoder(Small);
        const int length = 1_000_000;
        var head = Encoding.UTF8.GetBytes($"MESSAGE\nack:a-1\nmessage-id:m-1\ncontent-length:{length}\n\n");

        // The frame comes out as soon as its headers are there: nothing of the body is waited for or kept.
        var buffer = new ReadOnlySequence<byte>([.. head, .. new byte[100]]);
        Assert.True(decoder.TryDecode(ref buffer, out var poison));
        var problem = Assert.IsType<EnvelopeTooLargeException>(poison.Problem);
        Assert.Contains($"{length} bytes, more than StompProviderOptions.MaxFrameBytes (65536)", problem.Message, StringComparison.Ordinal);
        Assert.True(poison.Body.IsEmpty);
        Assert.Equal("a-1", poison[StompHeaders.Ack]);
        Assert.False(decoder.TryDecode(ref buffer, out _));
        Assert.True(buffer.IsEmpty, "the body bytes that arrived are consumed, not kept");

        var rest = length - 100;
        var chunk = new byte[16 * 1024];
        while (rest > chunk.Length)
        {
            buffer = new ReadOnlySequence<byte>(chunk);
            Assert.False(decoder.TryDecode(ref buffer, out _));
            Assert.True(buffer.IsEmpty);
            rest -= chunk.Length;
        }

        Assert.Equal(2, DecodeAll(decoder, [.. new byte[rest], 0, .. Encoding.UTF8.GetBytes(Good), .. Encoding.UTF8.GetBytes(Good)]).Count);
    }

    [Fact]
    public void A_body_without_content_length_over_the_limit_is_skipped_up_to_its_nul()
    {
        var decoder = new StompFrameDecoder(Small);
        var bytes = Encoding.UTF8.GetBytes("MESSAGE\nack:a-1\n\n" + new string('b', 200_000) + "\0" + Good);
        var frames = DecodeAll(decoder, bytes);

        Assert.IsType<EnvelopeTooLargeException>(frames[0].Problem);
        Assert.True(frames[0].Body.IsEmpty);
        AssertGoodFollows(frames);
    }

    [Fact]
    public void A_dropped_body_whose_content_length_is_wrong_is_a_protocol_error()
    {
        var decoder = new StompFrameDecoder(Small);
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("MESSAGE\nack:a-1\ncontent-length:70000\n\n" + new string('b', 70_001) + "\0"));
        Assert.True(decoder.TryDecode(ref buffer, out _));
        var exception = Assert.Throws<StompProtocolException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Contains("not followed by NUL", exception.Message, StringComparison.Ordinal);
    }
}
