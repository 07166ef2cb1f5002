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

    [Fact]
    public void The_time_formatted_into_the_frame_goes_once_as_ce_time_to_the_100_nanoseconds_and_reads_back()
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray())
        {
            Time = new DateTimeOffset(2026, 12, 7, 23, 45, 1, TimeSpan.FromHours(2)).AddTicks(1_234_567),
        };

        var send = StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0);
        var text = Encoding.UTF8.GetString(send.WrittenSpan);
        var frame = AsMessage(send);

        Assert.Single(text.Split('\n'), line => line.StartsWith("ce_time:", StringComparison.Ordinal));
        Assert.Equal("2026-12-07T21:45:01.1234567Z", frame["ce_time"]);
        Assert.Equal(envelope.FormatTime(), frame["ce_time"]);
        Assert.Equal(envelope.Time, StompWire.Read(frame, NullLogger.Instance).Time);
    }

    [Theory]
    [InlineData(255, true)]
    [InlineData(300, false)]
    public void A_correlation_id_goes_into_the_native_header_only_when_an_amqp_short_string_holds_it(int length, bool native)
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray()) { CorrelationId = new string('c', length) };

        var frame = AsMessage(StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));

        // Either in the native header or, too long for it, in ce_correlationid: never both.
        Assert.Equal(native ? envelope.CorrelationId : null, frame["correlation-id"]);
        Assert.Equal(native ? null : envelope.CorrelationId, frame["ce_correlationid"]);
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_message_from_amqp_0_9_1_takes_its_id_from_amqp_message_id_and_its_type_from_type(bool amqpMessageId)
    {
        // What RabbitMQ's STOMP adapter delivers for a message published over 0-9-1 with the id and the event name in
        // its message_id and type properties only: amqp-message-id before the broker's own message-id.
        var text = "MESSAGE\ndestination:/queue/x\nmessage-id:T_sub@@session@@1\n" + (amqpMessageId ? "amqp-message-id:sent-id\n" : string.Empty) +
            "type:orders.placed\ncontent-type:application/json\nce_specversion:1.0\nce_source:/orders\ncontent-length:2\n\n{}\0";
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        Assert.True(new StompFrameDecoder(StompLimits.Default).TryDecode(ref buffer, out var frame));

        var envelope = StompWire.Read(frame!, NullLogger.Instance);

        Assert.Equal(amqpMessageId ? "sent-id" : "T_sub@@session@@1", envelope.Id);
        Assert.Equal("orders.placed", envelope.Type);
        Assert.Equal("application/json", envelope.DataContentType);
        Assert.Equal("/orders", envelope.Source);
    }

    [Fact]
    public void A_ce_id_and_ce_type_come_before_the_native_headers()
    {
        var text = "MESSAGE\ndestination:/queue/x\nmessage-id:broker\namqp-message-id:native\ntype:native.type\nce_id:header-id\nce_type:header.type\ncontent-length:2\n\n{}\0";
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        Assert.True(new StompFrameDecoder(StompLimits.Default).TryDecode(ref buffer, out var frame));

        var envelope = StompWire.Read(frame!, NullLogger.Instance);

        Assert.Equal("header-id", envelope.Id);
        Assert.Equal("header.type", envelope.Type);
    }

    [Fact]
    public void The_content_type_and_correlation_id_go_in_their_native_headers_only()
    {
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray()) { CorrelationId = "order-42" };

        var frame = AsMessage(StompWire.EncodeSend(envelope, "/queue/x", [], persistent: true, receipt: 0));

        Assert.Equal("application/json", frame["content-type"]);
        Assert.Null(frame["ce_datacontenttype"]);
        Assert.Equal("order-42", frame["correlation-id"]);
        Assert.Null(frame["ce_correlationid"]);
        Assert.Equal(envelope.Id, frame["ce_id"]);
        Assert.Equal("orders.placed", frame["ce_type"]);
        var read = StompWire.Read(frame, NullLogger.Instance);
        Assert.Equal("application/json", read.DataContentType);
        Assert.Equal("order-42", read.CorrelationId);
    }
}
