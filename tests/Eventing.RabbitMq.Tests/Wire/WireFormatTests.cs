using System.Text;
using System.Text.Json;
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
    public async Task Every_attribute_travels_as_a_string_header_with_the_ce_prefix()
    {
        var (sent, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"), [new("tenant", "acme"), new("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]);
        var headers = message.BasicProperties.Headers!;
        foreach (var attribute in sent.GetAttributes())
        {
            var value = Assert.IsType<byte[]>(headers["ce_" + attribute.Key]);
            Assert.Equal(attribute.Value, Encoding.UTF8.GetString(value));
        }

        Assert.Equal("1.0", Encoding.UTF8.GetString((byte[])headers["ce_specversion"]!));
        Assert.Equal("acme", Encoding.UTF8.GetString((byte[])headers["ce_tenant"]!));
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
    public async Task The_correlation_id_also_travels_as_correlation_id()
    {
        var (_, message) = await SendAsync(new DurableWireEvent(Guid.NewGuid().ToString("N"), "x"), [new("correlationid", "order-42")]);
        Assert.Equal("order-42", message.BasicProperties.CorrelationId);
        Assert.Equal("order-42", Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["ce_correlationid"]!));
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

    private static async Task<(Envelope Sent, BasicDeliverEventArgs Message)> SendAsync<TEvent>(TEvent record, KeyValuePair<string, string>[]? headers = null)
        where TEvent : notnull
    {
        await using var raw = await RawRabbit.ConnectAsync();
        var name = record is DurableWireEvent ? "wire.durable" : "wire.transient";
        var received = await raw.ReceiveOneAsync(name);
        await using var host = await TestHost.StartAsync(new Conformance.ClassicRabbitMqTarget());
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
