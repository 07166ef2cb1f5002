using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Eventing.Conformance;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Eventing.RabbitMq.Tests.Wire;

/// <summary>One test per row of docs/wire.md's AMQP 0-9-1 column, against the real broker.</summary>
public sealed class WireFormatTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Every_attribute_no_native_property_carries_travels_as_a_string_header_with_the_ce_prefix()
    {
        var (sent, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"), [new("tenant", "acme"), new("correlationid", "order-42"), new("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]);
        var headers = message.BasicProperties.Headers!;
        foreach (var attribute in sent.GetAttributes())
        {
            if (NativelyCarried.Contains(attribute.Key))
            {
                Assert.False(headers.ContainsKey("ce_" + attribute.Key), $"ce_{attribute.Key} repeats a native property");
                continue;
            }

            var value = Assert.IsType<byte[]>(headers["ce_" + attribute.Key]);
            Assert.Equal(attribute.Value, Encoding.UTF8.GetString(value));
        }

        Assert.Equal("1.0", Encoding.UTF8.GetString((byte[])headers["ce_specversion"]!));
        Assert.Equal("acme", Encoding.UTF8.GetString((byte[])headers["ce_tenant"]!));
        Assert.Equal(sent.Id, message.BasicProperties.MessageId);
        Assert.Equal(sent.Type, message.BasicProperties.Type);
        Assert.Equal(sent.DataContentType, message.BasicProperties.ContentType);
        Assert.Equal("order-42", message.BasicProperties.CorrelationId);
    }

    [Fact]
    public async Task With_RepeatNativePropertiesInHeaders_every_attribute_also_travels_as_a_ce_header()
    {
        var (sent, message) = await SendAsync(
            new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"),
            [new("tenant", "acme"), new("correlationid", "order-42")],
            events => events.Services.Configure<RabbitMqProviderOptions>(rabbit => rabbit.RepeatNativePropertiesInHeaders = true));
        var headers = message.BasicProperties.Headers!;
        foreach (var attribute in sent.GetAttributes())
        {
            var value = Assert.IsType<byte[]>(headers["ce_" + attribute.Key]);
            Assert.Equal(attribute.Value, Encoding.UTF8.GetString(value));
        }

        Assert.Equal(sent.Id, message.BasicProperties.MessageId);
        Assert.Equal("order-42", message.BasicProperties.CorrelationId);
    }

    [Fact]
    public async Task Our_listener_reads_every_attribute_of_a_message_whose_id_type_content_type_and_correlation_id_are_native_only()
    {
        var run = Guid.NewGuid().ToString("N");
        var sent = await ReceiveRawAsync(run, new BasicProperties
        {
            MessageId = "native-" + run,
            Type = "wire.durable",
            ContentType = "application/json",
            CorrelationId = "corr-" + run,
            Headers = new Dictionary<string, object?>
            {
                ["ce_specversion"] = "1.0",
                ["ce_source"] = "/native",
                ["ce_time"] = "2026-01-02T03:04:05.1230000Z",
            },
        });
        Assert.Equal("native-" + run, sent.Id);
        Assert.Equal("wire.durable", sent.Type);
        Assert.Equal("application/json", sent.DataContentType);
        Assert.Equal("corr-" + run, sent.CorrelationId);
        Assert.Equal("/native", sent.Source);
        Assert.Equal(DateTimeOffset.Parse("2026-01-02T03:04:05.123Z", System.Globalization.CultureInfo.InvariantCulture), sent.Time);
    }

    [Fact]
    public async Task The_id_also_travels_as_message_id()
    {
        var (sent, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"));
        Assert.Equal(sent.Id, message.BasicProperties.MessageId);
    }

    [Fact]
    public async Task The_data_content_type_also_travels_as_content_type()
    {
        var (_, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"));
        Assert.Equal("application/json", message.BasicProperties.ContentType);
    }

    [Fact]
    public async Task The_correlation_id_travels_as_correlation_id()
    {
        var (_, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"), [new("correlationid", "order-42")]);
        Assert.Equal("order-42", message.BasicProperties.CorrelationId);
    }

    [Fact]
    public async Task The_type_also_travels_as_the_type_property()
    {
        var (_, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"));
        Assert.Equal("wire.durable", message.BasicProperties.Type);
    }

    [Fact]
    public async Task A_durable_event_is_persistent_and_a_transient_one_is_not()
    {
        var (_, durable) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"));
        var (_, transient) = await SendAsync(new TransientWireEvent(Guid.NewGuid().ToString("N"), "x"));
        Assert.Equal(DeliveryModes.Persistent, durable.BasicProperties.DeliveryMode);
        Assert.NotEqual(DeliveryModes.Persistent, transient.BasicProperties.DeliveryMode);
        // docs/wire.md: never the timestamp property (RabbitMQ 3.10 copies its seconds into AMQP 1.0 milliseconds).
        Assert.False(durable.BasicProperties.IsTimestampPresent());
    }

    [Fact]
    public async Task The_body_is_the_records_json_bytes()
    {
        var record = new DurableWireEvent(Guid.NewGuid().ToString("N"), "Grüße ✓");
        var (_, message) = await SendAsync(record);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(record, Web), message.Body.ToArray());
    }

    [Theory]
    [InlineData("ce_")]
    [InlineData("ce-")]
    [InlineData("cloudEvents_")]
    [InlineData("cloudEvents:")]
    public async Task Readers_accept_every_cloudevents_header_prefix(string prefix)
    {
        var run = Guid.NewGuid().ToString("N");
        var id = Guid.NewGuid().ToString();
        var headers = new Dictionary<string, object?>
        {
            [prefix + "specversion"] = "1.0",
            [prefix + "id"] = id,
            [prefix + "type"] = "wire.durable",
            [prefix + "source"] = "/python/peer",
            [prefix + "time"] = "2026-11-25T10:00:00Z",
            [prefix + "datacontenttype"] = "application/json",
            [prefix + "tenant"] = "acme",
        };
        var envelope = await ReceiveRawAsync(run, new BasicProperties { Headers = headers, DeliveryMode = DeliveryModes.Persistent });
        Assert.Equal(id, envelope.Id);
        Assert.Equal("/python/peer", envelope.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), envelope.Time);
        Assert.Equal("acme", envelope.Headers["tenant"]);
    }

    [Fact]
    public async Task Readers_fall_back_to_the_native_properties_when_headers_are_missing()
    {
        var run = Guid.NewGuid().ToString("N");
        var id = Guid.NewGuid().ToString();
        var envelope = await ReceiveRawAsync(run, new BasicProperties
        {
            MessageId = id,
            ContentType = "application/json",
            CorrelationId = "corr-native",
            Type = "wire.durable",
            DeliveryMode = DeliveryModes.Persistent,
        });
        Assert.Equal(id, envelope.Id);
        Assert.Equal("application/json", envelope.DataContentType);
        Assert.Equal("corr-native", envelope.CorrelationId);
        Assert.Equal("wire.durable", envelope.Type);
    }

    // The attributes a native 0-9-1 property carries: by default they are not repeated as ce_ headers.
    private static readonly HashSet<string> NativelyCarried = ["id", "type", "datacontenttype", "correlationid"];

    private static async Task<(Envelope Sent, BasicDeliverEventArgs Message)> SendAsync<TEvent>(TEvent record, KeyValuePair<string, string>[]? headers = null, Action<EventingBuilder>? configure = null)
        where TEvent : notnull
    {
        await using var raw = await RawRabbit.ConnectAsync();
        var name = record is DurableWireEvent ? "wire.durable" : "wire.transient";
        var received = await raw.ReceiveOneAsync(name);
        await using var host = await TestHost.StartAsync(new Conformance.ClassicRabbitMqTarget(), configure: configure);
        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(record, headers);
        var sent = envelope.Clone();
        await host.Sender.SendEnvelopeAsync(envelope, descriptor);
        return (sent, await received.WaitAsync(Patience));
    }

    private static async Task<Envelope> ReceiveRawAsync(string run, BasicProperties properties)
    {
        var received = new Collector<Envelope>();
        await using var host = await TestHost.StartAsync(new Conformance.ClassicRabbitMqTarget());
        await using var subscription = await host.Events.SubscribeAsync<DurableWireEvent>("wire-" + run, (e, context, _) =>
        {
            if (e.Run == run)
            {
                received.Add(context.Envelope);
            }

            return default;
        });
        await using var raw = await RawRabbit.ConnectAsync();
        await raw.PublishAsync("wire.durable", properties, JsonSerializer.SerializeToUtf8Bytes(new DurableWireEvent(run, "raw"), Web));
        await received.WaitForCountAsync(1, Patience, "the raw message at our listener");
        return received.Items[0];
    }
}
