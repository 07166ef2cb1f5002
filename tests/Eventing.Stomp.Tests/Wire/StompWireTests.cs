using System.Buffers;
using System.Text;
using Eventing.Stomp.Wire;
using Eventing.Stomp.Client.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp.Tests.Wire;

public class StompWireTests
{
    private static StompFrame AsMessage(FrameBuffer send)
    {
        using (send)
        {
            // What the broker delivers is the SEND frame's headers under the MESSAGE command.
            var bytes = Encoding.UTF8.GetBytes("MESSAGE").Concat(send.WrittenSpan[4..].ToArray()).ToArray();
            var buffer = new ReadOnlySequence<byte>(bytes);
            Assert.True(new StompFrameDecoder(StompLimits.Default).TryDecode(ref buffer, out var frame));
            return frame!;
        }
    }

    [Fact]
    public void A_structured_envelope_keeps_its_extension_headers_on_the_wire_and_back()
    {
        var structured = new Envelope(string.Empty, "{\"specversion\":\"1.0\",\"data_base64\":5}"u8.ToArray())
        {
            DataContentType = Envelope.StructuredContentType,
        };
        structured.Headers["deadletterreason"] = "malformed";
        structured.Headers["exceptionmessage"] = "data_base64: not a string";
        structured.Headers["failedlistener"] = "orders::billing";

        var frame = AsMessage(StompWire.EncodeSend(structured, "/queue/x", [], persistent: true, receipt: 0));
        Assert.Equal("malformed", frame["ce_deadletterreason"]);
        Assert.Null(frame["ce_type"]);

        var read = StompWire.Read(frame, NullLogger.Instance);
        Assert.True(read.IsStructured);
        Assert.Equal("malformed", read.Headers["deadletterreason"]);
        Assert.Equal("data_base64: not a string", read.Headers["exceptionmessage"]);
        Assert.Equal("orders::billing", read.Headers["failedlistener"]);
        Assert.Equal(structured.Body.ToArray(), read.Body.ToArray());
    }

    [Theory]
    [InlineData(255, true)]
    [InlineData(300, false)]
    public void A_correlation_id_goes_into_the_native_header_only_when_an_amqp_short_string_holds_it(int length, bool native)
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray()) { CorrelationId = new string('c', length) };

        var frame = AsMessage(StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));

        Assert.Equal(native ? envelope.CorrelationId : null, frame["correlation-id"]);
        Assert.Equal(envelope.CorrelationId, frame["ce_correlationid"]);
        Assert.Equal(envelope.CorrelationId, StompWire.Read(frame, NullLogger.Instance).CorrelationId);
    }

    [Theory]
    [InlineData(':')]
    [InlineData('\\')]
    [InlineData('\n')]
    public void A_header_that_escaping_makes_longer_than_brokers_accept_is_refused_naming_it(char character)
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray());
        envelope.Headers["tenant"] = new string(character, 8192);

        var exception = Assert.Throws<InvalidHeaderException>(() => StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));
        Assert.Equal("tenant", exception.Header);
        Assert.Contains("16394-byte header line", exception.Message, StringComparison.Ordinal);
        Assert.Contains("10240 bytes", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_of_8192_plain_bytes_still_fits()
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray());
        envelope.Headers["tenant"] = new string('a', 8192);
        envelope.Headers["escaped"] = new string(':', 4096);

        var frame = AsMessage(StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));
        Assert.Equal(8192, frame["ce_tenant"]!.Length);
        Assert.Equal(new string(':', 4096), frame["ce_escaped"]);
    }

    [Fact]
    public void A_long_correlation_id_is_checked_on_its_native_header_too()
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray()) { CorrelationId = new string(':', 6000) };

        var exception = Assert.Throws<InvalidHeaderException>(() => StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));
        Assert.Equal("correlationid", exception.Header);
    }
}
