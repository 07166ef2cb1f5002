using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Eventing.Conformance;

/// <summary>
/// Delayed retries on every provider that supports them, the broker doing the waiting (local: a timer): the consumer is
/// free while a message waits, and a message that never succeeds is dead-lettered with its whole history.
/// </summary>
public abstract class DelayedRetryConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    [Fact]
    public async Task A_listener_failing_for_3_s_succeeds_on_a_delayed_retry_while_other_messages_are_handled_meanwhile()
    {
        var run = NewRun();
        var outage = Stopwatch.StartNew();
        var handled = new ConcurrentQueue<(int Seq, TimeSpan At, string? DelayedRetries)>();
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)] });
        await using var subscription = await host.Events.SubscribeAsync<DelayedOutageEvent>(Listener("delayed-outage"), (e, context, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            if (e.Seq == 0 && outage.Elapsed < TimeSpan.FromSeconds(3))
            {
                throw new InvalidOperationException("the downstream service is down");
            }

            context.Headers.TryGetValue("delayedretries", out var retries);
            handled.Enqueue((e.Seq, outage.Elapsed, retries));
            if (e.Seq == 0)
            {
                succeeded.TrySetResult();
            }

            return default;
        });

        for (var seq = 0; seq < 5; seq++)
        {
            await host.Events.SendAsync(new DelayedOutageEvent(run, seq));
        }

        await succeeded.Task.WaitAsync(Patience);
        var order = handled.ToArray();
        var failing = Assert.Single(order, h => h.Seq == 0);
        Assert.True(failing.At >= TimeSpan.FromSeconds(3), "It succeeded only once the outage was over.");
        Assert.Equal("2", failing.DelayedRetries);

        // Concurrency 1: the others could only run because the failing one left the consumer while the broker held it.
        Assert.Equal([1, 2, 3, 4, 0], order.Select(h => h.Seq));
        Assert.All(order.Where(h => h.Seq != 0), h => Assert.True(h.At < TimeSpan.FromSeconds(2), "handled while the failing one waited"));
    }

    [Fact]
    public async Task A_message_that_never_succeeds_is_dead_lettered_after_its_last_delayed_retry_with_the_whole_history()
    {
        var run = NewRun();
        var name = Listener("delayed-never");
        var attempts = 0;
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)] });
        await using var subscription = await host.Events.SubscribeAsync<DelayedNeverEvent>(name, (e, _, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException($"still failing {e.Seq}");
        });

        await host.Events.SendAsync(new DelayedNeverEvent(run, 9));
        var deadLetter = Assert.Single(await Target.ReadDeadLettersAsync(Queue("conformance.delayed.never", name), 1, Patience, CancellationToken.None));

        Assert.Equal(6, Volatile.Read(ref attempts));
        Assert.Equal("2", deadLetter.Headers["delayedretries"]);
        Assert.Equal("2", deadLetter.Headers["deliveryattempt"]);
        Assert.Equal("failed", deadLetter.Headers["deadletterreason"]);
        Assert.Equal("still failing 9", deadLetter.Headers["exceptionmessage"]);
        var first = DateTimeOffset.Parse(deadLetter.Headers["firstfailedat"], CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(deadLetter.Headers["failedat"], CultureInfo.InvariantCulture);

        // Both stamps are this process's wall clock; the broker's clock (TTL expiry, scheduler) or the local timer's
        // millisecond ticks decide when the copy comes back (measured locally: two 1 s waits stamped 1.9987 s apart).
        // The bound allows the few ms the clocks disagree.
        var clocksDisagree = TimeSpan.FromMilliseconds(50);
        Assert.True(last - first >= TimeSpan.FromSeconds(2) - clocksDisagree, $"first failure {first:O}, last {last:O}: two delayed retries of 1 s lie between them");
    }
}
