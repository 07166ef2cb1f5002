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
