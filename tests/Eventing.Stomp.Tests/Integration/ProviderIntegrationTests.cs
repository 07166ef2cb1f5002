using System.Text;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Integration;

public class ProviderIntegrationTests
{
    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Connecting_negotiates_stomp_1_2_heart_beats_and_the_topology_from_the_server_header(string broker)
    {
        await using var provider = await StartProviderAsync(broker, o => o.HeartBeat = TimeSpan.FromSeconds(2));
        Assert.Equal(broker == "rabbitmq" ? StompTopologyKind.RabbitMq : StompTopologyKind.ActiveMq, provider.Topology.Kind);

        var endpoint = new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = await TestBrokers.StompUriAsync(broker), HeartBeat = TimeSpan.FromSeconds(2) }));
        await using var connection = await StompConnection.ConnectAsync(endpoint, null, NullLogger.Instance, CancellationToken.None);
        Assert.Equal("1.2", connection.Version);
        Assert.True(connection.SendHeartBeat > TimeSpan.Zero, "the client heart-beats");
        Assert.True(connection.ReceiveHeartBeat > TimeSpan.Zero, "the broker heart-beats");
        await connection.DisconnectAsync(TimeSpan.FromSeconds(5));
        Assert.Null(await connection.Closed);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Wrong_password_fails_start_with_an_error_naming_the_endpoint_without_the_password(string broker)
    {
        var uri = await TestBrokers.WithPasswordAsync(broker, "wrong-secret");
        var provider = new StompProvider(new StompProviderOptions { Uri = uri });
        var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(() => provider.StartAsync(CancellationToken.None));
        Assert.Contains($"127.0.0.1:{uri.Port}", exception.Message, StringComparison.Ordinal);
        Assert.Contains("refused the connection", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", exception.Endpoint, StringComparison.Ordinal);
        Assert.IsType<StompErrorFrameException>(exception.InnerException);
    }

    [Fact]
    public async Task Unreachable_broker_fails_start_with_connection_refused()
    {
        var provider = new StompProvider(new StompProviderOptions { Uri = new Uri("stomp://user:pw@127.0.0.1:1"), ConnectTimeout = TimeSpan.FromSeconds(3) });
        var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(() => provider.StartAsync(CancellationToken.None));
        Assert.Contains("127.0.0.1:1", exception.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", exception.Message, StringComparison.Ordinal);

        // A NuGet user has no development scripts: the message says what to check on their own broker.
        Assert.DoesNotContain("eng/", exception.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1, and that", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Durable_send_is_received_with_every_attribute_and_header(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("attrs"), durable: true);
        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(Listener(@event, "billing.eu"), collector, CancellationToken.None);

        var sent = NewEnvelope(@event.Name, "{\"text\":\"Grüße\"}");
        await provider.SendAsync(sent, @event, CancellationToken.None);

        var delivery = await collector.NextAsync();
        var received = delivery.Envelope;
        Assert.Equal(sent.Id, received.Id);
        Assert.Equal(sent.Type, received.Type);
        Assert.Equal(sent.Source, received.Source);
        Assert.Equal(sent.Time, received.Time);
        Assert.Equal(sent.DataContentType, received.DataContentType);
        Assert.Equal(sent.Headers.ToDictionary(), received.Headers.ToDictionary());
        Assert.Equal(sent.Body.ToArray(), received.Body.ToArray());
        Assert.False(received.Redelivered);
        await delivery.AckAsync(CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Thousand_durable_sends_are_in_flight_at_once_and_all_confirmed(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("many"), durable: true);
        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(Listener(@event, "counter"), collector, CancellationToken.None);

        var sends = new Task[1000];
        for (var i = 0; i < sends.Length; i++)
        {
            sends[i] = provider.SendAsync(NewEnvelope(@event.Name, $"{{\"n\":{i}}}"), @event, CancellationToken.None).AsTask();
        }

        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(60));
        var seen = new HashSet<string>();
        var log = new List<string>();
        for (var i = 0; i < sends.Length; i++)
        {
            var delivery = await collector.NextAsync();
            var body = Encoding.UTF8.GetString(delivery.Envelope.Body.Span);
            if (!seen.Add(body))
            {
                log.Add($"{i}: dup {body} redelivered={delivery.Envelope.Redelivered} id={delivery.Envelope.Id}");
            }

            await delivery.AckAsync(CancellationToken.None);
        }

        Assert.True(sends.Length == seen.Count, string.Join("\n", log));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Requeued_and_unacknowledged_messages_come_back_redelivered_and_never_reach_the_broker_dlq(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("requeue"), durable: true);
        var listener = Listener(@event, "retry");
        var first = new Collector();
        var subscription = await provider.SubscribeAsync(listener, first, CancellationToken.None);
        var requeued = NewEnvelope(@event.Name, "{\"n\":1}");
        var unacked = NewEnvelope(@event.Name, "{\"n\":2}");
        await provider.SendAsync(requeued, @event, CancellationToken.None);
        await provider.SendAsync(unacked, @event, CancellationToken.None);

        var one = await first.NextAsync();
        var two = await first.NextAsync();
        Assert.Equal(requeued.Id, one.Envelope.Id);
        await one.RequeueAsync(CancellationToken.None);
        await subscription.StopReceivingAsync(CancellationToken.None);
        await subscription.DisposeAsync();
        Assert.Equal(unacked.Id, two.Envelope.Id);

        var second = new Collector();
        await using var again = await provider.SubscribeAsync(listener, second, CancellationToken.None);
        var ids = new HashSet<string>();
        for (var i = 0; i < 2; i++)
        {
            var delivery = await second.NextAsync();
            Assert.True(delivery.Envelope.Redelivered, "the broker marks the message redelivered");
            ids.Add(delivery.Envelope.Id);
            await delivery.AckAsync(CancellationToken.None);
        }

        Assert.True(new[] { requeued.Id, unacked.Id }.Order().SequenceEqual(ids.Order()), $"expected {requeued.Id} {unacked.Id}, got {string.Join(" ", ids)}");
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Dead_letters_go_to_our_own_queue_with_their_headers(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("dead"), durable: true);
        var listener = Listener(@event, "failing");
        var envelope = NewEnvelope(@event.Name);
        envelope.Headers["deadletterreason"] = "failed";
        await provider.DeadLetterAsync(envelope, listener, CancellationToken.None);

        var endpoint = new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = await TestBrokers.StompUriAsync(broker) }));
        var frames = System.Threading.Channels.Channel.CreateUnbounded<StompFrame>();
        await using var connection = await StompConnection.ConnectAsync(endpoint, (_, f) => frames.Writer.TryWrite(f), NullLogger.Instance, CancellationToken.None);
        var subscribe = new FrameBuffer();
        StompFrameEncoder.WriteCommand(subscribe, "SUBSCRIBE");
        StompFrameEncoder.WriteHeader(subscribe, "id", "dlq");
        StompFrameEncoder.WriteHeader(subscribe, "destination", provider.Topology.DeadLetterDestination(listener));
        StompFrameEncoder.WriteHeader(subscribe, "ack", "auto");
        StompFrameEncoder.WriteEnd(subscribe);
        connection.Enqueue(subscribe);

        var frame = await frames.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(envelope.Id, frame["ce_id"]);
        Assert.Equal("failed", frame["ce_deadletterreason"]);
        Assert.Equal("acme: east\\west\nline", frame["ce_tenant"]);
        Assert.Equal("true", frame["persistent"]);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task An_error_frame_fails_the_pending_receipt_with_the_brokers_message(string broker)
    {
        var endpoint = new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = await TestBrokers.StompUriAsync(broker) }));
        await using var connection = await StompConnection.ConnectAsync(endpoint, null, NullLogger.Instance, CancellationToken.None);
        var frame = new FrameBuffer();
        StompFrameEncoder.WriteCommand(frame, "SEND");
        var id = connection.RegisterReceipt(out var receipt);
        StompFrameEncoder.WriteHeader(frame, "receipt", id);
        StompFrameEncoder.WriteBody(frame, "no destination"u8);
        connection.Enqueue(frame);

        var error = await Assert.ThrowsAsync<StompErrorFrameException>(() => receipt.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(string.IsNullOrWhiteSpace(error.BrokerMessage));
        Assert.Contains(error.BrokerMessage!, error.Message, StringComparison.Ordinal);
        Assert.Contains(endpoint.Display, error.Message, StringComparison.Ordinal);
        Assert.IsType<StompErrorFrameException>(await connection.Closed.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Stop_waits_for_the_disconnect_receipt_so_fire_and_forget_sends_are_not_lost(string broker)
    {
        var @event = new EventDescriptor(UniqueEvent("fire"), durable: false);
        await using var consumer = await StartProviderAsync(broker);
        var collector = new Collector();
        await using var subscription = await consumer.SubscribeAsync(Listener(@event, "fire"), collector, CancellationToken.None);

        var sender = await StartProviderAsync(broker);
        for (var i = 0; i < 200; i++)
        {
            await sender.SendAsync(NewEnvelope(@event.Name, $"{{\"n\":{i}}}"), @event, CancellationToken.None);
        }

        await sender.StopAsync(CancellationToken.None);
        await sender.DisposeAsync();
        for (var i = 0; i < 200; i++)
        {
            var delivery = await collector.NextAsync();
            Assert.Equal($"{{\"n\":{i}}}", Encoding.UTF8.GetString(delivery.Envelope.Body.Span));
            await delivery.AckAsync(CancellationToken.None);
        }
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Listeners_with_one_name_compete_and_listeners_with_different_names_each_get_every_event(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("fanout"), durable: true);
        var group = new Collector();
        var b = new Collector();
        await using var s1 = await provider.SubscribeAsync(Listener(@event, "a.group"), group, CancellationToken.None);
        await using var s2 = await provider.SubscribeAsync(Listener(@event, "a.group"), group, CancellationToken.None);
        await using var s3 = await provider.SubscribeAsync(Listener(@event, "b_group"), b, CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            await provider.SendAsync(NewEnvelope(@event.Name, $"{{\"n\":{i}}}"), @event, CancellationToken.None);
        }

        var groupIds = new HashSet<string>();
        var otherIds = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var other = await b.NextAsync();
            otherIds.Add(other.Envelope.Id);
            await other.AckAsync(CancellationToken.None);
            var member = await group.NextAsync();
            groupIds.Add(member.Envelope.Id);
            await member.AckAsync(CancellationToken.None);
        }

        Assert.Equal(20, otherIds.Count);
        Assert.Equal(otherIds.Order(), groupIds.Order());

        // A marker sent last arrives once in the group: had any event reached both members, a duplicate would be
        // queued before it.
        var marker = NewEnvelope(@event.Name, "{\"marker\":true}");
        await provider.SendAsync(marker, @event, CancellationToken.None);
        var next = await group.NextAsync();
        Assert.Equal(marker.Id, next.Envelope.Id);
        await next.AckAsync(CancellationToken.None);

    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task A_header_that_escaping_doubles_past_the_line_limit_is_refused_naming_it_and_the_shared_connection_stays_up(string broker)
    {
        var logs = new CapturingLoggerFactory();
        var options = new StompProviderOptions { Uri = await TestBrokers.StompUriAsync(broker), SendTimeout = TimeSpan.FromSeconds(15) };
        await using var provider = new StompProvider(options, logs);
        await provider.StartAsync(CancellationToken.None);
        var @event = new EventDescriptor(UniqueEvent("colons"), durable: true);
        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(Listener(@event, "colons"), collector, CancellationToken.None);

        var colons = NewEnvelope(@event.Name);
        colons.Headers["colons"] = new string(':', 8192);
        var exception = await Assert.ThrowsAsync<InvalidHeaderException>(() => provider.SendAsync(colons, @event, CancellationToken.None).AsTask());
        Assert.Equal("colons", exception.Header);

        var next = NewEnvelope(@event.Name);
        await provider.SendAsync(next, @event, CancellationToken.None);
        var delivery = await collector.NextAsync();
        Assert.Equal(next.Id, delivery.Envelope.Id);
        await delivery.AckAsync(CancellationToken.None);
        Assert.DoesNotContain(logs.Warnings, warning => warning.Id.Id == 3201);
    }
}
