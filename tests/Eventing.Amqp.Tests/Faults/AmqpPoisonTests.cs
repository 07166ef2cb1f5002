using System.Globalization;
using System.Text;
using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Hosting;
using Eventing.Amqp.Topology;
using Eventing.Amqp.Tests.Conformance;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Faults;

/// <summary>Values that do not fit RabbitMQ's native properties, structured dead letters, and what users read in errors.</summary>
public sealed class AmqpPoisonTests(AmqpTarget target) : ConformanceTests<AmqpTarget>(target), IClassFixture<AmqpTarget>
{
    private const string Secret = "s3cr3t-Pa55";
    private static readonly string LongValue = new('c', 300);

    [Fact]
    public async Task A_correlation_id_longer_than_a_short_string_reaches_0_9_1_readers_in_its_application_property_only()
    {
        var run = NewRun();
        await using var rabbit = await Rabbit091.ConnectAsync();
        var queue = await rabbit.BindQueueAsync("faults.amqp.longcorrelation");
        await using var host = await TestHost.StartAsync(Target);
        var (envelope, descriptor) = await host.Sender.CreateEnvelopeAsync(new AmqpLongCorrelationEvent(run, 1), [new("correlationid", LongValue)]);

        await host.Sender.SendEnvelopeAsync(envelope, descriptor);

        // A correlation_id over 255 bytes would make RabbitMQ close this 0-9-1 reader's connection.
        var message = await rabbit.GetAsync(queue, Patience);
        Assert.Null(message.BasicProperties.CorrelationId);
        Assert.True(rabbit.Channel.IsOpen);
        // RabbitMQ 3.x hands AMQP 1.0 application-properties to 0-9-1 as one encoded header (docs/wire.md); the
        // value is in there, intact.
        Assert.Contains(message.BasicProperties.Headers!.Values, value => value is byte[] bytes && Encoding.UTF8.GetString(bytes).Contains(LongValue, StringComparison.Ordinal));
        await rabbit.Channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
    }

    [Fact]
    public async Task A_structured_message_that_cannot_be_decoded_is_dead_lettered_with_all_its_reason_headers()
    {
        var name = Listener("structured-broken");
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<AmqpStructuredFaultEvent>(name, (_, _, _) => default);
        await using var raw = await RawAmqp.ConnectAsync();
        await raw.SendAsync("/topic/faults.amqp.structured", new Message
        {
            BodySection = new Data { Binary = Encoding.UTF8.GetBytes("{\"type\":") },
            Properties = new Properties { MessageId = Guid.NewGuid().ToString(), ContentType = Envelope.StructuredContentType },
            Header = new Header { Durable = true },
        });

        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("faults.amqp.structured", name), 1, Patience, CancellationToken.None));
        AssertReasonHeaders(dead, DeadLetterReasons.Malformed, Queue("faults.amqp.structured", name));
    }

    [Fact]
    public async Task A_structured_event_whose_handler_fails_is_dead_lettered_with_all_its_reason_headers()
    {
        var run = NewRun();
        var name = Listener("structured-failing");
        await using var host = await TestHost.StartAsync(Target, options: o => o.DefaultContentMode = ContentMode.Structured);
        await using var subscription = await host.Events.SubscribeAsync<AmqpStructuredFaultEvent>(name, (e, _, _) =>
            e.Run == run ? throw new InvalidOperationException("the handler refuses it") : default);

        await host.Events.SendAsync(new AmqpStructuredFaultEvent(run, 1));

        var dead = Assert.Single(await Target.ReadDeadLettersAsync(Queue("faults.amqp.structured", name), 1, Patience, CancellationToken.None));
        AssertReasonHeaders(dead, DeadLetterReasons.Failed, Queue("faults.amqp.structured", name));
    }

    [Theory]
    [InlineData("guest:" + Secret + "@rabbit.internal:5672")]
    [InlineData("guest:" + Secret + "@rabbit.internal")]
    [InlineData("http://guest:" + Secret + "@rabbit.internal:5672/")]
    public void A_uri_that_is_not_amqp_fails_validation_without_showing_its_password(string uri)
    {
        var result = new AmqpProviderOptionsValidator().Validate(null, new AmqpProviderOptions { Uri = new Uri(uri, UriKind.RelativeOrAbsolute), Topology = AmqpTopology.Artemis });

        Assert.True(result.Failed);
        Assert.Contains("AmqpProviderOptions.Uri", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_fails_start_with_advice_for_the_users_own_broker()
    {
        var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(async () =>
        {
            await using var host = await TestHost.StartAsync(Target, new ProviderSettings { Connection = ConnectionMode.Unreachable, ConnectTimeout = TimeSpan.FromSeconds(2) });
        });

        Assert.DoesNotContain("eng/", exception.Message, StringComparison.Ordinal);
        Assert.Contains("AmqpProviderOptions.Uri", exception.Message, StringComparison.Ordinal);
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
}
