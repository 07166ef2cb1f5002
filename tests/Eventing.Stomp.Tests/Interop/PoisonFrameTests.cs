using System.Text.Json;
using System.Threading.Channels;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Tests.Integration;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp.Tests.Interop;

[Event("stomp.poison.order", Durable = true)]
public sealed record PoisonOrder(int OrderId);

/// <summary>
/// Poison that stomp.py (a producer we did not write) puts on the real brokers, each followed by a good message:
/// the good one is handled, the poison one lands in our dead-letter queue with its reason headers, and the
/// listener's connection never drops (a drop made the broker redeliver the poison forever).
/// </summary>
public class PoisonFrameTests
{
    private const string EventName = "stomp.poison.order";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    private static Dictionary<string, object> Message(string id, Dictionary<string, string>? extra = null, string body = "{\"orderId\":1}", int repeat = 1, string contentType = "application/json")
    {
        var headers = new Dictionary<string, string>
        {
            ["ce_specversion"] = "1.0",
            ["ce_id"] = id,
            ["ce_type"] = EventName,
            ["ce_source"] = "/python/stomp.py",
            ["content-type"] = contentType,
            ["persistent"] = "true",
        };
        foreach (var header in extra ?? [])
        {
            headers[header.Key] = header.Value;
        }

        return new() { ["headers"] = headers, ["body"] = body, ["repeat"] = repeat };
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public Task A_message_with_300_headers_is_dead_lettered_as_too_large_and_the_next_one_is_handled(string broker) =>
        RunAsync(broker, Message("poison-" + Guid.NewGuid(), Enumerable.Range(0, 300).ToDictionary(i => $"h{i:000}", i => "v")),
            "too-large", "StompProviderOptions.MaxHeaderCount");

    [Theory]
    [MemberData(nameof(Brokers))]
    public Task A_body_over_the_frame_limit_is_dead_lettered_as_too_large_without_its_body_and_the_next_one_is_handled(string broker) =>
        RunAsync(broker, Message("poison-" + Guid.NewGuid(), body: "x", repeat: 200_000),
            "too-large", "StompProviderOptions.MaxFrameBytes",
            configureEvents: events => events.Configure(o => o.MaxEnvelopeBytes = 16 * 1024), configureStomp: stomp => (stomp.MaxFrameBytes, stomp.MaxHeaderLineBytes) = (128 * 1024, 16 * 1024));

    [Theory]
    [MemberData(nameof(Brokers))]
    public Task A_structured_event_whose_data_base64_is_not_a_string_is_dead_lettered_with_every_failure_header(string broker) =>
        RunAsync(broker, Message("poison-" + Guid.NewGuid(), body: $"{{\"specversion\":\"1.0\",\"id\":\"s-1\",\"type\":\"{EventName}\",\"source\":\"/py\",\"data_base64\":5}}",
            contentType: "application/cloudevents+json"), "malformed", mentioned: null);

    // ActiveMQ refuses a header line over 10 KiB from the producer already, so only RabbitMQ delivers these.
    [Fact]
    public Task A_header_of_9000_colons_over_the_listeners_line_limit_is_dead_lettered_as_too_large() =>
        RunAsync("rabbitmq", Message("poison-" + Guid.NewGuid(), new() { ["colons"] = new string(':', 9000) }),
            "too-large", "StompProviderOptions.MaxHeaderLineBytes", configureStomp: stomp => stomp.MaxHeaderLineBytes = 16 * 1024);

    [Fact]
    public Task A_header_line_over_256_KiB_is_dead_lettered_as_too_large() =>
        RunAsync("rabbitmq", Message("poison-" + Guid.NewGuid(), new() { ["huge"] = new string('y', 300 * 1024) }),
            "too-large", "StompProviderOptions.MaxHeaderLineBytes");

    private static async Task RunAsync(
        string broker, Dictionary<string, object> poison, string reason, string? mentioned,
        Action<EventingBuilder>? configureEvents = null, Action<StompProviderOptions>? configureStomp = null)
    {
        var uri = await TestBrokers.StompUriAsync(broker);
        var listenerName = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new CapturingLoggerFactory();
        var handled = Channel.CreateUnbounded<int>();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<ILoggerFactory>(logs);
        builder.Services.AddEventing(events =>
        {
            events.AddEvent<PoisonOrder>().Configure(o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero));
            configureEvents?.Invoke(events);
            events.UseStomp(stomp =>
            {
                stomp.Uri = uri;
                configureStomp?.Invoke(stomp);
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        var events = host.Services.GetRequiredService<IEventManager>();
        var good = Message("good-" + Guid.NewGuid(), body: "{\"orderId\":2}");
        await using (await events.SubscribeAsync<PoisonOrder>(listenerName, (order, _, ct) => handled.Writer.WriteAsync(order.OrderId, ct)))
        {
            var topology = broker == "rabbitmq" ? (StompTopology)new RabbitMqStompTopology() : new ActiveMqStompTopology();
            var destination = topology.SendDestination(new EventDescriptor(EventName, durable: true));
            var spec = Path.GetTempFileName();
            try
            {
                await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(new[] { poison, good }));
                await using var python = PythonStomp.Start("stomp_send_frames.py", uri, "/", destination, spec);
                await python.WaitForExitAsync(Timeout);
            }
            finally
            {
                File.Delete(spec);
            }

            // The good message came after the poison one on the same queue: handling it proves the poison was settled.
            Assert.Equal(2, await handled.Reader.ReadAsync().AsTask().WaitAsync(Timeout));

            var listener = new ListenerDescriptor(new EventDescriptor(EventName, durable: true), listenerName, false, "unused");
            var deadLetter = await ReadOneAsync(uri, topology.DeadLetterDestination(listener));
            var poisonId = ((Dictionary<string, string>)poison["headers"])["ce_id"];
            Assert.Equal(reason, deadLetter["ce_deadletterreason"]);
            Assert.Equal(listener.Queue, deadLetter["ce_failedlistener"]);
            Assert.Equal("0", deadLetter["ce_deliveryattempt"]);
            Assert.False(string.IsNullOrEmpty(deadLetter["ce_failedat"]));
            Assert.False(string.IsNullOrEmpty(deadLetter["ce_exceptiontype"]));
            Assert.False(string.IsNullOrEmpty(deadLetter["ce_exceptionmessage"]));
            if (mentioned is not null)
            {
                Assert.Contains(mentioned, deadLetter["ce_exceptionmessage"], StringComparison.Ordinal);
            }
            if (reason == "too-large" && mentioned != "StompProviderOptions.MaxFrameBytes" || reason == "malformed")
            {
                Assert.False(deadLetter.Body.IsEmpty, "a body within the limits is kept");
            }

            if (deadLetter["content-type"] != "application/cloudevents+json")
            {
                Assert.Equal(poisonId, deadLetter["ce_id"]);
            }

            Assert.False(handled.Reader.TryRead(out var extra), $"only the good message was handled, got {extra} too");
        }

        await host.StopAsync();
        Assert.DoesNotContain(logs.Warnings, warning => warning.Id.Id == 3201);
    }

    private static async Task<StompFrame> ReadOneAsync(Uri uri, string destination)
    {
        var endpoint = new StompEndpoint(StompClientSettings.From(new StompProviderOptions { Uri = uri }));
        var frames = Channel.CreateUnbounded<StompFrame>();
        await using var connection = await StompConnection.ConnectAsync(endpoint, (_, f) => frames.Writer.TryWrite(f), NullLogger.Instance, CancellationToken.None);
        var subscribe = new FrameBuffer();
        StompFrameEncoder.WriteCommand(subscribe, StompCommands.Subscribe);
        StompFrameEncoder.WriteHeader(subscribe, StompHeaders.Id, "dlq");
        StompFrameEncoder.WriteHeader(subscribe, StompHeaders.Destination, destination);
        StompFrameEncoder.WriteHeader(subscribe, StompHeaders.Ack, "auto");
        StompFrameEncoder.WriteEnd(subscribe);
        connection.Enqueue(subscribe);
        var frame = await frames.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        await connection.DisconnectAsync(TimeSpan.FromSeconds(5));
        return frame;
    }
}
