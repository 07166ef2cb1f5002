using System.Text;
using System.Text.Json.Nodes;
using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Tests.Infrastructure;

namespace Eventing.Amqp.Tests.Integration;

/// <summary>One test per AMQP 1.0 row of docs/wire.md, checked on what RabbitMQ actually carries.</summary>
public sealed class WireTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_attribute_but_the_content_type_is_a_cloudEvents_string_application_property()
    {
        var (envelope, message) = await SendAndReceiveRawAsync(durable: true);
        var properties = message.ApplicationProperties.Map;
        foreach (var attribute in envelope.GetAttributes())
        {
            // The CloudEvents AMQP binding: datacontenttype is the content-type property, not an application property.
            if (attribute.Key == "datacontenttype")
            {
                Assert.False(properties.ContainsKey("cloudEvents_datacontenttype"));
                Assert.Equal(attribute.Value, message.Properties.ContentType);
                continue;
            }

            var value = properties["cloudEvents_" + attribute.Key];
            Assert.IsType<string>(value);
            Assert.Equal(attribute.Value, value);
        }

        Assert.Equal("1.0", properties["cloudEvents_specversion"]);
        Assert.Equal("trace-me", properties["cloudEvents_tracestate"]);
        Assert.Equal("v", properties["cloudEvents_custom"]);
    }

    [Fact]
    public async Task The_id_is_also_the_message_id_as_a_string()
    {
        var (envelope, message) = await SendAndReceiveRawAsync(durable: true);
        Assert.IsType<string>(message.Properties.GetMessageId());
        Assert.Equal(envelope.Id, message.Properties.MessageId);
    }

    [Fact]
    public async Task The_datacontenttype_is_also_the_content_type()
    {
        var (_, message) = await SendAndReceiveRawAsync(durable: true);
        Assert.Equal("application/json", (string)message.Properties.ContentType);
    }

    [Fact]
    public async Task The_correlationid_is_also_the_correlation_id()
    {
        var (_, message) = await SendAndReceiveRawAsync(durable: true);
        Assert.Equal("corr-1", message.Properties.CorrelationId);
        Assert.Equal("corr-1", message.ApplicationProperties.Map["cloudEvents_correlationid"]);
    }

    [Fact]
    public async Task The_type_travels_only_as_an_attribute()
    {
        var (envelope, message) = await SendAndReceiveRawAsync(durable: true);
        Assert.Equal(envelope.Type, message.ApplicationProperties.Map["cloudEvents_type"]);
        Assert.Null(message.Properties.Subject);
    }

    [Fact]
    public async Task A_durable_event_has_header_durable_true()
    {
        var (_, message) = await SendAndReceiveRawAsync(durable: true);
        Assert.True(message.Header.Durable);
    }

    [Fact]
    public async Task A_non_durable_event_is_not_marked_durable()
    {
        var (_, message) = await SendAndReceiveRawAsync(durable: false);
        Assert.False(message.Header?.Durable ?? false);
    }

    [Fact]
    public async Task The_body_is_one_Data_section_with_the_JSON_bytes()
    {
        var (envelope, message) = await SendAndReceiveRawAsync(durable: true);
        var data = Assert.IsType<Data>(message.BodySection);
        Assert.Equal(envelope.Body.ToArray(), data.Binary);
    }

    [Fact]
    public async Task Structured_mode_puts_the_whole_event_in_the_body_with_the_cloudevents_content_type()
    {
        var original = NewEnvelope("wire.structured");
        var structured = StructuredCloudEvent.ToStructured(original);
        var message = await SendRawProbeAsync(structured, new EventDescriptor(original.Type, durable: true, ContentMode.Structured));
        Assert.Equal(Envelope.StructuredContentType, (string)message.Properties.ContentType);
        Assert.Equal(original.Id, message.Properties.MessageId);
        var decoded = StructuredCloudEvent.Decode(Assert.IsType<Data>(message.BodySection).Binary);
        AssertSameAttributes(original, decoded);
    }

    [Theory]
    [InlineData("ce_")]
    [InlineData("ce-")]
    [InlineData("cloudEvents_")]
    [InlineData("cloudEvents:")]
    public async Task Readers_take_attributes_with_every_CloudEvents_prefix(string prefix)
    {
        var eventName = ProviderHarness.Unique("wire.prefix");
        var message = new Message
        {
            BodySection = new Data { Binary = "{\"n\":1}"u8.ToArray() },
            ApplicationProperties = new ApplicationProperties(),
        };
        var map = message.ApplicationProperties.Map;
        map[prefix + "id"] = "id-" + prefix;
        map[prefix + "type"] = eventName;
        map[prefix + "source"] = "/raw";
        map[prefix + "time"] = "2026-01-02T03:04:05.123Z";
        map[prefix + "datacontenttype"] = "application/json";
        map[prefix + "specversion"] = "1.0";
        map[prefix + "tenant"] = "acme";
        var envelope = await ReceiveThroughProviderAsync(eventName, message);
        Assert.Equal("id-" + prefix, envelope.Id);
        Assert.Equal(eventName, envelope.Type);
        Assert.Equal("/raw", envelope.Source);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 123, TimeSpan.Zero), envelope.Time);
        Assert.Equal("acme", envelope.Headers["tenant"]);
        Assert.Equal("{\"n\":1}", Encoding.UTF8.GetString(envelope.Body.Span));
    }

    [Fact]
    public async Task Readers_fall_back_to_message_id_content_type_and_correlation_id()
    {
        var eventName = ProviderHarness.Unique("wire.fallback");
        var message = new Message
        {
            BodySection = new Data { Binary = "{}"u8.ToArray() },
            Properties = new Properties { MessageId = "native-id", ContentType = "application/json; charset=utf-8", CorrelationId = "native-corr" },
            ApplicationProperties = new ApplicationProperties(),
        };
        message.ApplicationProperties.Map["cloudEvents_type"] = eventName;
        var envelope = await ReceiveThroughProviderAsync(eventName, message);
        Assert.Equal("native-id", envelope.Id);
        Assert.Equal("application/json; charset=utf-8", envelope.DataContentType);
        Assert.Equal("native-corr", envelope.CorrelationId);
    }

    [Fact]
    public async Task An_attribute_that_breaks_the_rules_is_dropped_and_the_message_still_arrives()
    {
        var eventName = ProviderHarness.Unique("wire.bad");
        var message = new Message
        {
            BodySection = new Data { Binary = "{}"u8.ToArray() },
            ApplicationProperties = new ApplicationProperties(),
        };
        message.ApplicationProperties.Map["cloudEvents_type"] = eventName;
        message.ApplicationProperties.Map["cloudEvents_Bad-Name"] = "x";
        message.ApplicationProperties.Map["cloudEvents_binary"] = new byte[] { 0, 1 };
        var envelope = await ReceiveThroughProviderAsync(eventName, message);
        Assert.Equal(eventName, envelope.Type);
        Assert.False(envelope.Headers.ContainsKey("Bad-Name"));
        Assert.False(envelope.Headers.ContainsKey("binary"));
    }

    internal static Envelope NewEnvelope(string type)
    {
        var envelope = new Envelope(type, "{\"orderId\":42,\"text\":\"grüße\"}"u8.ToArray())
        {
            Source = "/eventing/wire-tests",
            CorrelationId = "corr-1",
        };
        envelope.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        envelope.Headers["tracestate"] = "trace-me";
        envelope.Headers["custom"] = "v";
        return envelope;
    }

    internal static void AssertSameAttributes(Envelope expected, Envelope actual)
    {
        var want = new Dictionary<string, string>();
        foreach (var attribute in expected.GetAttributes())
        {
            want[attribute.Key] = attribute.Value;
        }

        var got = new Dictionary<string, string>();
        foreach (var attribute in actual.GetAttributes())
        {
            got[attribute.Key] = attribute.Value;
        }

        Assert.Equal(want.OrderBy(pair => pair.Key), got.OrderBy(pair => pair.Key));
        // The structured decoder re-serializes `data`, which may escape non-ASCII characters: compare as JSON.
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected.Body.Span), JsonNode.Parse(actual.Body.Span)),
            $"{Encoding.UTF8.GetString(expected.Body.Span)} != {Encoding.UTF8.GetString(actual.Body.Span)}");
    }

    private static async Task<(Envelope Envelope, Message Message)> SendAndReceiveRawAsync(bool durable)
    {
        var envelope = NewEnvelope(ProviderHarness.Unique("wire.row"));
        var message = await SendRawProbeAsync(envelope, new EventDescriptor(envelope.Type, durable));
        return (envelope, message);
    }

    private static async Task<Message> SendRawProbeAsync(Envelope envelope, EventDescriptor descriptor)
    {
        await using var rabbit = await Rabbit091.ConnectAsync();
        var queue = await rabbit.BindQueueAsync(descriptor.Name);
        await using var provider = await ProviderHarness.StartAsync();
        await provider.SendAsync(envelope, descriptor, CancellationToken.None);
        await using var raw = await RawAmqp.ConnectAsync();
        var messages = await raw.ReceiveAsync("/amq/queue/" + queue, 1, Patience);
        await rabbit.Channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        return messages[0];
    }

    private static async Task<Envelope> ReceiveThroughProviderAsync(string eventName, Message message)
    {
        await using var provider = await ProviderHarness.StartAsync();
        var listener = new ListenerDescriptor(new EventDescriptor(eventName), "wire", perProcess: false, processId: "p");
        var recorder = new Recorder();
        var subscription = await provider.SubscribeAsync(listener, recorder, CancellationToken.None);
        await using (subscription)
        {
            await using var raw = await RawAmqp.ConnectAsync();
            await raw.SendAsync("/topic/" + eventName, message);
            var envelopes = await recorder.WaitForAsync(1, Patience);
            return envelopes[0];
        }
    }
}
