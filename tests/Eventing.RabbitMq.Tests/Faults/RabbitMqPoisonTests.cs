using System.Globalization;
using System.Text;
using System.Text.Json;
using Eventing.Conformance;
using Eventing.RabbitMq.Topology;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Tests.Faults;

/// <summary>
/// Bad input from producers we did not write (raw RabbitMQ.Client), and values that do not fit AMQP 0-9-1: every
/// message is settled (handled or dead-lettered with its reasons), no publish throws for a value that fits a header.
/// </summary>
public sealed class RabbitMqPoisonTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly string LongValue = new('c', 300);

    [Fact]
    public async Task A_correlation_id_longer_than_an_amqp_short_string_is_sent_in_its_header_only()
    {
        var run = NewRun();
        await using var raw = await RawRabbit.ConnectAsync();
        var received = await raw.ReceiveOneAsync("faults.rabbit.longcorrelation");
        await using var host = await TestHost.StartAsync(Target);
        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(new LongCorrelationEvent(run, 1), [new("correlationid", LongValue)]);

        await host.Sender.SendEnvelopeAsync(envelope, descriptor);

        var message = await received.WaitAsync(Patience);
        Assert.Null(message.BasicProperties.CorrelationId);
        Assert.Equal(LongValue, Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["ce_correlationid"]!));
    }

    [Fact]
    public async Task A_message_with_a_300_byte_correlation_id_is_dead_lettered_intact_and_the_dead_letter_queue_stays_readable()
    {
        var run = NewRun();
        var name = Listener("longcorrelation");
        var attempts = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<LongCorrelationEvent>(name, (e, _, _) =>
        {
            attempts.Add(e.Seq);
            throw new InvalidOperationException("the handler refuses it");
        });
        await using var raw = await RawRabbit.ConnectAsync();
        await raw.PublishAsync("faults.rabbit.longcorrelation", Binary("faults.rabbit.longcorrelation", new Dictionary<string, object?> { ["ce_correlationid"] = LongValue }),
            JsonSerializer.SerializeToUtf8Bytes(new LongCorrelationEvent(run, 1), Web));

        // Read by a 0-9-1 consumer: a native correlation_id over 255 bytes would make RabbitMQ close it (541).
        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("faults.rabbit.longcorrelation", name), 1, Patience, CancellationToken.None));
        Assert.Equal(LongValue, dead.CorrelationId);
        Assert.Equal(DeadLetterReasons.Failed, dead.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal([1], attempts.Items);
    }

    [Fact]
    public async Task Header_values_that_are_not_strings_or_out_of_range_are_dropped_and_the_message_is_handled()
    {
        var run = NewRun();
        var name = Listener("oddheaders");
        var handled = new Collector<Envelope>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<OddHeadersEvent>(name, (e, context, _) =>
        {
            if (e.Run == run)
            {
                handled.Add(context.Envelope);
            }

            return default;
        });
        await using var raw = await RawRabbit.ConnectAsync();
        var odd = new Dictionary<string, object?>
        {
            // Year 292 billion: DateTime cannot hold it.
            ["ce_time"] = new AmqpTimestamp(long.MaxValue),
            ["ce_tenant"] = new Dictionary<string, object?> { ["nested"] = "table" },
            ["ce_tags"] = new List<object?> { "a", 1 },
            ["ce_region"] = "eu",
        };
        await raw.PublishAsync("faults.rabbit.oddheaders", Binary("faults.rabbit.oddheaders", odd), JsonSerializer.SerializeToUtf8Bytes(new OddHeadersEvent(run, 1), Web));
        await host.Events.SendAsync(new OddHeadersEvent(run, 2));

        await handled.WaitForCountAsync(2, Patience, "the message with odd headers and the good one after it");
        var oddOne = Assert.Single(handled.Items, envelope => envelope.Headers.ContainsKey("region"));
        Assert.Equal("eu", oddOne.Headers["region"]);
        Assert.False(oddOne.Headers.ContainsKey("tenant"));
        Assert.False(oddOne.Headers.ContainsKey("tags"));
    }

    [Fact]
    public async Task A_dead_letter_whose_queue_was_deleted_is_not_lost_the_original_stays_until_the_queue_is_back()
    {
        var run = NewRun();
        var name = Listener("missingdlq");
        var attempts = new Collector<int>();
        var queue = Queue("faults.rabbit.missingdlq", name);
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<MissingDeadLetterQueueEvent>(name, (e, _, _) =>
        {
            if (e.Run == run)
            {
                attempts.Add(e.Seq);
                throw new InvalidOperationException("the handler refuses it");
            }

            return default;
        });
        await using var raw = await RawRabbit.ConnectAsync();
        await raw.DeleteQueueAsync(queue + ".dead-letter");

        await host.Events.SendAsync(new MissingDeadLetterQueueEvent(run, 1));

        // The dead letter came back unroutable, so the original was requeued and handled again, not acknowledged.
        await attempts.WaitForCountAsync(2, Patience, "the message handled again after its dead letter was returned");
        await raw.DeclareDeadLetterQueueAsync(new RabbitMqProvisioner(), name, "faults.rabbit.missingdlq");
        var dead = await Target.ReadDeadLettersAsync(queue, 1, Patience, CancellationToken.None);
        Assert.Equal(DeadLetterReasons.Failed, dead[0].Headers[CloudEventAttributes.DeadLetterReason]);
    }

    [Fact]
    public async Task A_structured_message_that_cannot_be_decoded_is_dead_lettered_with_all_its_reason_headers()
    {
        var run = NewRun();
        var name = Listener("structured-broken");
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<StructuredFaultEvent>(name, (_, _, _) => default);
        await using var raw = await RawRabbit.ConnectAsync();
        var id = Guid.NewGuid().ToString();
        await raw.PublishAsync("faults.rabbit.structured", new BasicProperties
        {
            MessageId = id,
            ContentType = Envelope.StructuredContentType,
            DeliveryMode = DeliveryModes.Persistent,
        }, Encoding.UTF8.GetBytes("{\"type\":"));

        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("faults.rabbit.structured", name), 1, Patience, CancellationToken.None));
        AssertReasonHeaders(dead, DeadLetterReasons.Malformed, Queue("faults.rabbit.structured", name));
        Assert.Equal("{\"type\":", Encoding.UTF8.GetString(dead.Body.Span));
    }

    [Fact]
    public async Task A_structured_event_whose_handler_fails_is_dead_lettered_with_all_its_reason_headers()
    {
        var run = NewRun();
        var name = Listener("structured-failing");
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultContentMode = ContentMode.Structured);
        await using var subscription = await host.Events.SubscribeAsync<StructuredFaultEvent>(name, (e, _, _) =>
            e.Run == run ? throw new InvalidOperationException("the handler refuses it") : default);

        await host.Events.SendAsync(new StructuredFaultEvent(run, 1));

        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("faults.rabbit.structured", name), 1, Patience, CancellationToken.None));
        AssertReasonHeaders(dead, DeadLetterReasons.Failed, Queue("faults.rabbit.structured", name));
    }

    private static void AssertReasonHeaders(Envelope dead, string reason, string queue)
    {
        Assert.Equal(reason, dead.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal(queue, dead.Headers[CloudEventAttributes.FailedListener]);
        Assert.False(string.IsNullOrEmpty(dead.Headers[CloudEventAttributes.ExceptionType]));
        Assert.False(string.IsNullOrEmpty(dead.Headers[CloudEventAttributes.ExceptionMessage]));
        Assert.True(DateTimeOffset.TryParse(dead.Headers[CloudEventAttributes.FailedAt], CultureInfo.InvariantCulture, out _));
        Assert.True(int.TryParse(dead.Headers[CloudEventAttributes.DeliveryAttempt], CultureInfo.InvariantCulture, out _));
    }

    private static BasicProperties Binary(string type, Dictionary<string, object?> extra)
    {
        var headers = new Dictionary<string, object?>(extra)
        {
            ["ce_specversion"] = "1.0",
            ["ce_id"] = Guid.NewGuid().ToString(),
            ["ce_type"] = type,
            ["ce_source"] = "/raw/peer",
        };
        return new BasicProperties { Headers = headers, ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
    }
}
