using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Eventing.Stomp.Tests.Conformance;
using Eventing.Stomp.Topology;

namespace Eventing.Stomp.Tests.DelayedRetry;

[Event("stomp.delayed.outage", Durable = true)]
internal sealed record DelayedOutageEvent(string Run, int Seq);

[Event("stomp.delayed.never", Durable = true)]
internal sealed record DelayedNeverEvent(string Run, int Seq);

/// <summary>Delayed retries on a real broker, which does the waiting (tests/Eventing.Tests/DelayedRetryTests.cs is the local model).</summary>
public abstract class StompDelayedRetryTests<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : StompTarget
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
        var deadLetter = Assert.Single(await Target.ReadDeadLettersAsync(Queue("stomp.delayed.never", name), 1, Patience, CancellationToken.None));

        Assert.Equal(6, Volatile.Read(ref attempts));
        Assert.Equal("2", deadLetter.Headers["delayedretries"]);
        Assert.Equal("2", deadLetter.Headers["deliveryattempt"]);
        Assert.Equal("failed", deadLetter.Headers["deadletterreason"]);
        Assert.Equal("still failing 9", deadLetter.Headers["exceptionmessage"]);
        var first = DateTimeOffset.Parse(deadLetter.Headers["firstfailedat"], CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(deadLetter.Headers["failedat"], CultureInfo.InvariantCulture);

        // Both stamps are this process's wall clock; the broker's clock (TTL expiry, scheduler) only decides when the
        // copy comes back, never earlier than the delay. The bound allows the few ms wall and broker clocks disagree.
        var clocksDisagree = TimeSpan.FromMilliseconds(50);
        Assert.True(last - first >= TimeSpan.FromSeconds(2) - clocksDisagree, $"first failure {first:O}, last {last:O}: two delayed retries of 1 s lie between them");
    }
}

public sealed class ActiveMqDelayedRetryTests(ActiveMqStompTarget target) : StompDelayedRetryTests<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>
{
    [Fact]
    public async Task A_per_process_listener_with_delayed_retries_is_refused_at_start_naming_the_option()
    {
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] });

        // ActiveMQ's per-process listeners read the virtual topic itself: no queue of their own to put the copy on.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Events.SubscribeAsync<DelayedNeverEvent>(Listener("delayed-perprocess"), (_, _, _) => default, perProcess: true).AsTask());
        Assert.Contains("asks for delayed retries (Retry(immediate: ..., delayed: [...]))", refused.Message, StringComparison.Ordinal);
        Assert.Contains("per-process", refused.Message, StringComparison.Ordinal);
    }
}

public sealed class RabbitMqDelayedRetryTests(RabbitMqStompTarget target) : StompDelayedRetryTests<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

/// <summary>Which topologies can delay, without a broker (no Artemis runs in these tests).</summary>
public sealed class StompDelayedRetryTopologyTests
{
    private static readonly ListenerDescriptor Shared = new(new EventDescriptor("orders.placed"), "billing", perProcess: false, "p1");

    [Fact]
    public void Artemis_cannot_delay_so_its_listeners_with_delayed_retries_are_refused()
    {
        Assert.Null(new ArtemisStompTopology().DelayedRedelivery(Shared, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void RabbitMq_declares_each_delay_queue_with_the_same_arguments_on_every_send()
    {
        var topology = new RabbitMqStompTopology();
        var first = topology.DelayedRedelivery(Shared, TimeSpan.FromSeconds(10))!;
        var again = topology.DelayedRedelivery(Shared, TimeSpan.FromSeconds(10))!;

        Assert.Equal("/queue/orders.placed::billing.delay.10s", first.Destination);
        Assert.Equal(first.Headers, again.Headers);
        Assert.Contains(new KeyValuePair<string, string>("x-message-ttl", "10000"), first.Headers);
        Assert.Contains(new KeyValuePair<string, string>("x-dead-letter-routing-key", "orders.placed::billing"), first.Headers);
    }

    [Fact]
    public void ActiveMq_schedules_the_copy_on_the_listeners_own_consumer_queue()
    {
        var send = new ActiveMqStompTopology().DelayedRedelivery(Shared, TimeSpan.FromSeconds(2))!;

        Assert.Equal("/queue/Consumer.billing.VirtualTopic.orders.placed", send.Destination);
        Assert.Equal([new KeyValuePair<string, string>("AMQ_SCHEDULED_DELAY", "2000")], send.Headers);
    }
}
