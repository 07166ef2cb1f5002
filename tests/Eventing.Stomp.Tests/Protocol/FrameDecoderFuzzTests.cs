using System.Buffers;
using System.Diagnostics;
using System.Text;
using Eventing.Stomp.Client.Protocol;
using Xunit.Abstractions;

namespace Eventing.Stomp.Tests.Protocol;

/// <summary>
/// Throws random, truncated, oversized and mutated input at the decoder. Each case must end in whole valid frames,
/// a request for more bytes within the limits, or a <see cref="StompProtocolException"/>; never another exception,
/// never a frame that breaks the spec, never a stall.
/// </summary>
public class FrameDecoderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 120_000;
    private static readonly StompLimits Limits = new(MaxFrameBytes: 4096, MaxHeaderCount: 32, MaxHeaderLineBytes: 512);
    private static readonly string[] Commands = ["MESSAGE", "RECEIPT", "ERROR", "CONNECTED", "SEND", "SUBSCRIBE", "ACK", "NACK", "DISCONNECT", "UNSUBSCRIBE", "BEGIN", "COMMIT", "ABORT", "CONNECT", "STOMP"];
    private static readonly string[] Texts = ["", "a", "ce_id", "destination", "/queue/a.b::c", "x:y", "back\\slash", "cr\rlf\n", "ünïcödé", "日本語", "🌍", "content-length", "subscription"];

    [Fact]
    public void Decoder_survives_120000_random_truncated_oversized_and_mutated_inputs_in_seconds()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        var outcomes = new int[4];
        for (var i = 0; i < Cases; i++)
        {
            var kind = i % 8;
            byte[] input;
            StompFrame? original = null;
            switch (kind)
            {
                case 0:
                    input = new byte[random.Next(0, 300)];
                    random.NextBytes(input);
                    break;
                case 1:
                    original = RandomFrame(random);
                    input = Encode(original);
                    break;
                case 2:
                    input = Encode(RandomFrame(random));
                    input = input[..random.Next(0, input.Length)];
                    break;
                case 3:
                    input = Mutate(random, Encode(RandomFrame(random)));
                    break;
                case 4:
                    input = Huge(random);
                    break;
                case 5:
                    input = Encode(RandomFrame(random));
                    input = input.AsSpan().IndexOf((byte)0) is var nul and >= 0 && random.Next(2) == 0
                        ? [.. input[..nul], .. "garbage"u8]
                        : StripContentLengthAndNul(input);
                    break;
                case 6:
                    input = Encoding.UTF8.GetBytes($"MESSAGE\nkey:a\\{(char)random.Next(32, 127)}b\nother:{new string('\\', random.Next(0, 4))}\n\n\0");
                    break;
                default:
                    input = InvalidUtf8(random);
                    break;
            }

            // A fresh decoder per case: it keeps state between calls while it skips a dropped body.
            outcomes[Run(new StompFrameDecoder(Limits), input, original, i, seed)]++;
        }

        stopwatch.Stop();
        output.WriteLine($"{Cases} cases in {stopwatch.Elapsed.TotalSeconds:0.00} s: {outcomes[0]} frames, {outcomes[1]} need more bytes, {outcomes[2]} protocol errors, {outcomes[3]} empty");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"fuzzing took {stopwatch.Elapsed}");
        Assert.True(outcomes[0] > Cases / 10, "valid frames must decode");
        Assert.True(outcomes[2] > Cases / 10, "broken input must be refused");
    }

    // 0: ended on a frame, 1: asked for more within the limits, 2: protocol exception, 3: nothing but heart-beats.
    private static int Run(StompFrameDecoder decoder, byte[] input, StompFrame? original, int index, int seed)
    {
        var buffer = new ReadOnlySequence<byte>(input);
        var frames = 0;
        try
        {
            // Each successful decode consumes at least one byte, so this loop ends.
            for (var guard = 0; guard <= input.Length; guard++)
            {
                var before = buffer.Length;
                if (!decoder.TryDecode(ref buffer, out var frame))
                {
                    Assert.True(buffer.Length <= Limits.MaxFrameBytes + Limits.MaxHeaderLineBytes + 2,
                        $"case {index} (seed {seed}): the decoder waits for more bytes with {buffer.Length} buffered, beyond the limits");
                    return frames > 0 ? 0 : buffer.IsEmpty ? 3 : 1;
                }

                Assert.True(buffer.Length < before, $"case {index} (seed {seed}): a frame consumed no bytes");
                CheckFrame(frame, index, seed);
                if (original is not null && frames == 0)
                {
                    AssertSame(original, frame, index, seed);
                }

                frames++;
            }

            Assert.Fail($"case {index} (seed {seed}): more frames than bytes");
            return -1;
        }
        catch (StompProtocolException exception)
        {
            Assert.False(string.IsNullOrWhiteSpace(exception.Message));
            Assert.True(original is null, $"case {index} (seed {seed}): a valid frame was refused: {exception.Message}");
            return 2;
        }
    }

    private static void CheckFrame(StompFrame frame, int index, int seed)
    {
        Assert.Contains(frame.Command, Commands);
        if (frame.Problem is not null)
        {
            // Poison: only a MESSAGE, with a reason the core turns into too-large or malformed.
            Assert.Equal("MESSAGE", frame.Command);
            Assert.True(frame.Problem is EnvelopeTooLargeException or MalformedEnvelopeException, frame.Problem.GetType().Name);
        }

        Assert.True(frame.Headers.Count <= Limits.MaxHeaderCount + 9);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var header in frame.Headers)
        {
            Assert.True(names.Add(header.Key), $"case {index} (seed {seed}): repeated header {header.Key}");
            Assert.DoesNotContain('\0', header.Key);
            Assert.DoesNotContain('\0', header.Value);
        }

        if (frame.Problem is EnvelopeTooLargeException && frame.Body.IsEmpty)
        {
            // The body was over the limit and is skipped.
        }
        else if (frame["content-length"] is { } length)
        {
            Assert.Equal(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), frame.Body.Length);
        }
        else
        {
            Assert.True(frame.Body.Span.IndexOf((byte)0) < 0, "a body without content-length ends at the first NUL");
        }

        Assert.True(frame.Body.Length <= Limits.MaxFrameBytes);
    }

    private static void AssertSame(StompFrame expected, StompFrame actual, int index, int seed)
    {
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        var firsts = new List<KeyValuePair<string, string>>();
        foreach (var header in expected.Headers)
        {
            if (!firsts.Exists(h => h.Key == header.Key) && header.Key != "content-length")
            {
                firsts.Add(header);
            }
        }

        foreach (var header in firsts)
        {
            Assert.True(actual[header.Key] == header.Value, $"case {index} (seed {seed}): header {header.Key} did not round-trip");
        }
    }

    private static StompFrame RandomFrame(Random random)
    {
        var command = Commands[random.Next(Commands.Length)];
        var escapes = StompCommands.UsesEscapes(command);
        var headers = new List<KeyValuePair<string, string>>();
        var count = random.Next(0, 12);
        for (var i = 0; i < count; i++)
        {
            var name = RandomText(random, escapes);
            if (name.Length == 0)
            {
                name = "h" + i;
            }

            headers.Add(new(name, RandomText(random, escapes)));
        }

        var body = new byte[random.Next(0, random.Next(2) == 0 ? 16 : 600)];
        random.NextBytes(body);
        return new StompFrame(command, headers, body);
    }

    private static string RandomText(Random random, bool escapes)
    {
        var text = Texts[random.Next(Texts.Length)] + Texts[random.Next(Texts.Length)];

        // CONNECT and CONNECTED cannot carry CR, LF or ':' in names at all (STOMP 1.2 does not escape them).
        return escapes ? text : text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal);
    }

    private static byte[] Encode(StompFrame frame)
    {
        var writer = new ArrayBufferWriter<byte>();
        StompFrameEncoder.Write(writer, frame);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveAt(at);
                    break;
                case 2:
                    bytes.Insert(at, (byte)"\n:\\\0\r"[random.Next(5)]);
                    break;
                default:
                    bytes[at] = (byte)(bytes[at] ^ (1 << random.Next(8)));
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] Huge(Random random) => random.Next(4) switch
    {
        0 => Encoding.UTF8.GetBytes("MESSAGE\nbig:" + new string('x', random.Next(400, 3000)) + "\n\n\0"),
        1 => Encoding.UTF8.GetBytes("MESSAGE\n" + string.Concat(Enumerable.Range(0, random.Next(20, 60)).Select(i => $"h{i}:v\n")) + "\n\0"),
        2 => Encoding.UTF8.GetBytes($"MESSAGE\ncontent-length:{random.Next(4000, int.MaxValue)}\n\nabc"),
        _ => Encoding.UTF8.GetBytes("MESSAGE\n\n" + new string('b', random.Next(3000, 6000))),
    };

    private static byte[] StripContentLengthAndNul(byte[] input)
    {
        var text = Encoding.Latin1.GetString(input);
        var start = text.IndexOf("content-length:", StringComparison.Ordinal);
        if (start >= 0)
        {
            var end = text.IndexOf('\n', start);
            text = text.Remove(start, end - start + 1);
        }

        return Encoding.Latin1.GetBytes(text.Replace("\0", string.Empty, StringComparison.Ordinal));
    }

    private static byte[] InvalidUtf8(Random random)
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0x00], [0xC0, 0xAF]];
        var b = bad[random.Next(bad.Length)];
        return random.Next(3) switch
        {
            0 => [.. "MESSAGE\nname:"u8, .. b, .. "\nok:1\n\nbody\0"u8],
            1 => [.. "MESSAGE\nn"u8, .. b, .. ":v\n\n\0"u8],
            _ => [.. "MESS"u8, .. b, .. "AGE\n\n\0"u8],
        };
    }
}
