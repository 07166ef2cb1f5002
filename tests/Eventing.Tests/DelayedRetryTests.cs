using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Eventing.Local;
using Eventing.Providers;

namespace Eventing.Tests;

public sealed class DelayedRetryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_listener_failing_for_3_s_succeeds_on_a_delayed_retry_while_other_messages_are_handled_meanwhile()
    {
        var outage = Stopwatch.StartNew();
        var handled = new ConcurrentQueue<(int Seq, TimeSpan At, string? DelayedRetries)>();
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(events => events
            .AddEvent<Order>("delayed.outage")
            .Configure(o => o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)] }));
        await using var subscription = await host.Events.SubscribeAsync<Order>("outage", (order, context, _) =>
        {
            if (order.Seq == 0 && outage.Elapsed < TimeSpan.FromSeconds(3))
            {
                throw new InvalidOperationException("the downstream service is down");
            }

            context.Headers.TryGetValue("delayedretries", out var retries);
            handled.Enqueue((order.Seq, outage.Elapsed, retries));
            if (order.Seq == 0)
            {
                succeeded.TrySetResult();
            }

            return default;
        });

        for (var seq = 0; seq < 5; seq++)
        {
            await host.Events.SendAsync(new Order(seq));
        }

        await succeeded.Task.WaitAsync(Patience);
        var order = handled.ToArray();
        var failing = Assert.Single(order, h => h.Seq == 0);
        Assert.True(failing.At >= TimeSpan.FromSeconds(3), "It succeeded only once the outage was over.");
        Assert.Equal("2", failing.DelayedRetries);

        // Concurrency 1: the others could only run because the failing one left the consumer while it waited.
        Assert.Equal([1, 2, 3, 4, 0], order.Select(h => h.Seq));
        Assert.All(order.Where(h => h.Seq != 0), h => Assert.True(h.At < TimeSpan.FromSeconds(2), "handled while the failing one waited"));
    }

    [Fact]
    public async Task A_message_that_never_succeeds_is_dead_lettered_after_its_last_delayed_retry_with_the_whole_history()
    {
        var attempts = 0;
        await using var host = await TestHost.StartAsync(events => events
            .AddEvent<Order>("delayed.never")
            .Configure(o => o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)] }));
        await using var subscription = await host.Events.SubscribeAsync<Order>("never", (order, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException($"still failing {order.Seq}");
        });

        await host.Events.SendAsync(new Order(9));
        using var timeout = new CancellationTokenSource(Patience);
        var deadLetter = Assert.Single(await host.Broker.WaitForDeadLettersAsync("delayed.never::never", 1, timeout.Token));

        Assert.Equal(6, Volatile.Read(ref attempts));
        Assert.Equal("2", deadLetter.Headers["delayedretries"]);
        Assert.Equal("2", deadLetter.Headers["deliveryattempt"]);
        Assert.Equal("failed", deadLetter.Headers["deadletterreason"]);
        Assert.Equal("still failing 9", deadLetter.Headers["exceptionmessage"]);
        var first = DateTimeOffset.Parse(deadLetter.Headers["firstfailedat"], CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(deadLetter.Headers["failedat"], CultureInfo.InvariantCulture);
        // The stamps are wall-clock times; the timer counts whole milliseconds of a monotonic tick, so each wait can end
        // up to 1 ms early by the wall clock (measured: two 1 s waits stamped 1.9987 s apart). The bound allows that.
        var clocksDisagree = TimeSpan.FromMilliseconds(50);
        Assert.True(last - first >= TimeSpan.FromSeconds(2) - clocksDisagree, $"first failure {first:O}, last {last:O}: two delayed retries of 1 s lie between them");
    }

    [Fact]
    public async Task The_last_immediate_attempt_before_a_delayed_retry_is_traced_as_a_retry_not_a_dead_letter()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EventingDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName == "process delayed.traced")
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(events => events
            .AddEvent<Order>("delayed.traced")
            .Configure(o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(1)] }));
        await using var subscription = await host.Events.SubscribeAsync<Order>("traced", (_, context, _) =>
        {
            if (!context.Headers.ContainsKey("delayedretries"))
            {
                throw new InvalidOperationException("first try fails");
            }

            succeeded.TrySetResult();
            return default;
        });

        await host.Events.SendAsync(new Order(1));
        await succeeded.Task.WaitAsync(Patience);
        var deadline = DateTime.UtcNow + Patience;
        while (spans.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "Both attempts' spans end.");
            await Task.Delay(20);
        }

        var failed = Assert.Single(spans, span => span.Status == ActivityStatusCode.Error);
        var retry = Assert.Single(failed.Events, e => e.Name == "eventing.retry");
        Assert.Contains(retry.Tags, tag => tag.Key == "eventing.retry.delay" && Equals(tag.Value, 1.0));
        Assert.DoesNotContain(failed.Events, e => e.Name == "eventing.dead_letter");
    }

    [Fact]
    public async Task A_provider_that_cannot_delay_refuses_a_listener_with_delayed_retries_naming_the_option()
    {
        var provider = new PlainProvider(new LocalProvider(new LocalBroker()));
        await using var host = await TestHost.StartAsync(
            events => events
                .AddEvent<Order>("delayed.unsupported")
                .Configure(o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] }),
            provider: provider);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Events.SubscribeAsync<Order>("unsupported", (_, _, _) => default).AsTask());
        Assert.Contains("Listener 'unsupported' asks for delayed retries (Retry(immediate: ..., delayed: [...]))", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delayed_retry_shorter_than_a_second_is_refused_when_the_listener_is_registered()
    {
        var policy = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromMilliseconds(10)] };
        var refused = Assert.Throws<ArgumentException>(() => policy.Validate("billing"));
        Assert.Contains("between 1 s and 7 days", refused.Message, StringComparison.Ordinal);
    }

    private sealed record Order(int Seq);

    /// <summary>The local provider without its delayed redelivery, as a provider that cannot delay.</summary>
    private sealed class PlainProvider(IProvider inner) : ForwardingProvider(inner);
}
