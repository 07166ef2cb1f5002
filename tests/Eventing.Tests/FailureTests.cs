using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

public sealed class FailureTests
{
    private const string Event = "tests.order-placed";

    public sealed class Flaky(Recorder recorder) : EventListener<OrderPlaced>
    {
        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            recorder.Record("attempt", @event, context);
            if (context.DeliveryAttempt <= @event.Number)
            {
                throw new InvalidOperationException($"attempt {context.DeliveryAttempt} fails");
            }

            recorder.Record("done", @event, context);
            return default;
        }
    }

    private static async Task<(OrderPlaced Event, EventContext Context)[]> AttemptsAsync(Recorder recorder, int count)
    {
        await recorder.WaitForAsync(count);
        return [.. recorder.Seen.Where(seen => seen.Listener == "attempt").Select(seen => ((OrderPlaced)seen.Event, seen.Context))];
    }

    [Fact]
    public async Task A_listener_that_throws_is_retried_then_dead_lettered_with_the_reason_headers()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("always-fails").Retry(3, TimeSpan.FromMilliseconds(1))),
            services => services.AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(99, "fail"), [new("tenant", "acme")]);
        var attempts = await AttemptsAsync(recorder, 3);
        var deadLetters = await WaitForDeadLettersAsync(host, $"{Event}::always-fails", 1);

        Assert.Equal([1, 2, 3], attempts.Select(attempt => attempt.Context.DeliveryAttempt));
        var letter = Assert.Single(deadLetters);
        Assert.Equal(attempts[0].Context.MessageId, letter.Id);
        Assert.Equal("acme", letter.Headers["tenant"]);
        Assert.Equal(DeadLetterReasons.Failed, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal(typeof(InvalidOperationException).FullName, letter.Headers[CloudEventAttributes.ExceptionType]);
        Assert.Equal("attempt 3 fails", letter.Headers[CloudEventAttributes.ExceptionMessage]);
        Assert.Equal($"{Event}::always-fails", letter.Headers[CloudEventAttributes.FailedListener]);
        Assert.Equal("3", letter.Headers[CloudEventAttributes.DeliveryAttempt]);
        Assert.True(DateTimeOffset.TryParse(letter.Headers[CloudEventAttributes.FailedAt], out var failedAt));
        Assert.InRange(failedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("{\"number\":99,\"customer\":\"fail\"}", System.Text.Encoding.UTF8.GetString(letter.Body.Span));
    }

    [Fact]
    public async Task A_listener_that_recovers_on_a_retry_is_not_dead_lettered()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("recovers").Retry(3, TimeSpan.FromMilliseconds(1))),
            services => services.AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(1, "recover"));
        await recorder.WaitForAsync(3);
        await host.StopAsync();

        Assert.Equal([1, 2], recorder.Seen.Where(s => s.Listener == "attempt").Select(s => s.Context.DeliveryAttempt));
        Assert.Single(recorder.Seen, s => s.Listener == "done");
        Assert.Empty(host.Broker.GetDeadLetters($"{Event}::recovers"));
    }

    [Fact]
    public async Task Retries_wait_with_exponential_backoff()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("backoff").Retry(3, TimeSpan.FromMilliseconds(100))),
            services => services.AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(2, "backoff"));
        await recorder.WaitForAsync(4);
        var times = recorder.Seen.Where(s => s.Listener == "attempt").Select(s => s.Context.Envelope).ToArray();
        Assert.Equal(3, times.Length);

        var policy = new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.DelayAfter(1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.DelayAfter(2));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.DelayAfter(10));
    }

    [Theory]
    [InlineData("{\"number\":", DeadLetterReasons.Malformed)]
    [InlineData("null", DeadLetterReasons.Malformed)]
    [InlineData("{\"number\":\"not a number\"}", DeadLetterReasons.Malformed)]
    public async Task A_body_that_does_not_deserialize_is_dead_lettered_at_once_and_the_consumer_goes_on(string body, string reason)
    {
        var recorder = new Recorder();
        var queue = $"{Event}::poison-{Guid.NewGuid():N}";
        var name = queue[(Event.Length + 2)..];
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name(name)),
            services => services.AddSingleton(recorder));
        var provider = host.Services.GetRequiredService<IProvider>();

        await provider.SendAsync(new Envelope(Event, System.Text.Encoding.UTF8.GetBytes(body)), new EventDescriptor(Event), CancellationToken.None);
        await host.Events.SendAsync(new OrderPlaced(0, "after poison"));
        await recorder.WaitForAsync(2);

        var letter = Assert.Single(await WaitForDeadLettersAsync(host, queue, 1));
        Assert.Equal(reason, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Contains(nameof(OrderPlaced), letter.Headers[CloudEventAttributes.ExceptionMessage], StringComparison.Ordinal);
        Assert.Single(recorder.Seen, s => s.Listener == "attempt");
    }

    [Fact]
    public async Task An_unknown_event_is_dead_lettered_at_once_and_never_deserialized()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("unknown")),
            services => services.AddSingleton(recorder));
        var provider = host.Services.GetRequiredService<IProvider>();

        // Arrives on our address but names another type: the name on the wire never picks a CLR type.
        await provider.SendAsync(new Envelope("System.Diagnostics.Process", "{}"u8.ToArray()), new EventDescriptor(Event), CancellationToken.None);
        await host.Events.SendAsync(new OrderPlaced(0, "after unknown"));
        await recorder.WaitForAsync(2);

        var letter = Assert.Single(await WaitForDeadLettersAsync(host, $"{Event}::unknown", 1));
        Assert.Equal(DeadLetterReasons.UnknownEvent, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Contains("System.Diagnostics.Process", letter.Headers[CloudEventAttributes.ExceptionMessage], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_envelope_over_MaxEnvelopeBytes_is_dead_lettered_at_once()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("too-large")).Configure(o => o.MaxEnvelopeBytes = 1024),
            services => services.AddSingleton(recorder));

        await host.Events.SendAsync(new OrderPlaced(0, new string('x', 2000)));
        await host.Events.SendAsync(new OrderPlaced(0, "small"));
        await recorder.WaitForAsync(2);

        var letter = Assert.Single(await WaitForDeadLettersAsync(host, $"{Event}::too-large", 1));
        Assert.Equal(DeadLetterReasons.TooLarge, letter.Headers[CloudEventAttributes.DeadLetterReason]);
        Assert.Equal("small", ((OrderPlaced)Assert.Single(recorder.Seen, s => s.Listener == "attempt").Event).Customer);
    }

    [Fact]
    public async Task A_malformed_structured_envelope_is_dead_lettered()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Flaky>(l => l.Name("bad-structured")),
            services => services.AddSingleton(recorder));
        var provider = host.Services.GetRequiredService<IProvider>();

        var broken = new Envelope(Event, "{\"specversion\":\"1.0\""u8.ToArray()) { DataContentType = Envelope.StructuredContentType };
        await provider.SendAsync(broken, new EventDescriptor(Event), CancellationToken.None);
        await host.Events.SendAsync(new OrderPlaced(0, "after"));
        await recorder.WaitForAsync(2);

        var letter = Assert.Single(await WaitForDeadLettersAsync(host, $"{Event}::bad-structured", 1));
        Assert.Equal(DeadLetterReasons.Malformed, letter.Headers[CloudEventAttributes.DeadLetterReason]);
    }

    internal static Task<IReadOnlyList<Envelope>> WaitForDeadLettersAsync(TestHost host, string queue, int count) =>
        host.Broker.WaitForDeadLettersAsync(queue, count).WaitAsync(TimeSpan.FromSeconds(10));
}
