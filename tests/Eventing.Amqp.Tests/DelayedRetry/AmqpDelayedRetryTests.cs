using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Eventing.Amqp.Tests.Conformance;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Amqp.Topology;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.DelayedRetry;

[Event("delayed.amqp.outage", Durable = true)]
public sealed record AmqpDelayedOutageEvent(string Run, int Seq);

[Event("delayed.amqp.never", Durable = true)]
public sealed record AmqpDelayedNeverEvent(string Run, int Seq);

/// <summary>Delayed retries on RabbitMQ's AMQP 1.0: the broker waits in a delay queue, the consumer is free meanwhile.</summary>
public sealed class AmqpDelayedRetryTests(AmqpTarget target) : ConformanceTests<AmqpTarget>(target), IClassFixture<AmqpTarget>
{
    [Fact]
    public async Task A_listener_failing_for_3_s_succeeds_on_a_delayed_retry_while_other_messages_are_handled_meanwhile()
    {
        var run = NewRun();
        var name = Listener("delayed-outage");
        var outage = new Stopwatch();
        var handled = new ConcurrentQueue<(int Seq, TimeSpan At, string? DelayedRetries)>();
        var succeeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target, options: o =>
        {
            o.DefaultConcurrency = 1;
            o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)] };
        });
        await using var subscription = await host.Events.SubscribeAsync<AmqpDelayedOutageEvent>(name, (e, context, _) =>
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

        outage.Start();
        for (var seq = 0; seq < 5; seq++)
        {
            await host.Events.SendAsync(new AmqpDelayedOutageEvent(run, seq));
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
        var run = NewRun();
        var name = Listener("delayed-never");
        var attempts = 0;
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(2, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)] });
        await using var subscription = await host.Events.SubscribeAsync<AmqpDelayedNeverEvent>(name, (e, _, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException($"still failing {e.Seq}");
        });

        await host.Events.SendAsync(new AmqpDelayedNeverEvent(run, 9));

        var deadLetter = Assert.Single(await Target.ReadDeadLettersAsync(Queue("delayed.amqp.never", name), 1, Patience, CancellationToken.None));
        Assert.Equal(6, Volatile.Read(ref attempts));
        Assert.Equal("2", deadLetter.Headers["delayedretries"]);
        Assert.Equal("2", deadLetter.Headers["deliveryattempt"]);
        Assert.Equal("failed", deadLetter.Headers["deadletterreason"]);
        Assert.Equal("still failing 9", deadLetter.Headers["exceptionmessage"]);
        var first = DateTimeOffset.Parse(deadLetter.Headers["firstfailedat"], CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(deadLetter.Headers["failedat"], CultureInfo.InvariantCulture);
        // Wall-clock stamps against the broker's TTL timer, which may expire a message a little early by this clock.
        var clocksDisagree = TimeSpan.FromMilliseconds(50);
        Assert.True(last - first >= TimeSpan.FromSeconds(2) - clocksDisagree, $"first failure {first:O}, last {last:O}: two delayed retries of 1 s lie between them");
    }

    [Fact]
    public async Task A_topology_that_cannot_delay_refuses_a_listener_with_delayed_retries_at_subscribe_naming_the_option()
    {
        await using var provider = await ProviderHarness.StartAsync(o => o.Topology = AmqpTopology.Artemis);
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] };
        var listener = new ListenerDescriptor(new EventDescriptor(ProviderHarness.Unique("delayed.amqp.artemis"), durable: true), "artemis", perProcess: false, processId: "p", retry: retry);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.SubscribeAsync(listener, CancellationToken.None));
        Assert.Contains("Retry(immediate: ..., delayed: [...])", refused.Message, StringComparison.Ordinal);
        Assert.Contains("artemis", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delay_the_listener_was_not_configured_with_is_refused()
    {
        await using var provider = await ProviderHarness.StartAsync();
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] };
        var listener = new ListenerDescriptor(new EventDescriptor(ProviderHarness.Unique("delayed.amqp.unknown"), durable: true), "unknown", perProcess: false, processId: "p", retry: retry);
        var envelope = new Envelope(listener.Event.Name, "{}"u8.ToArray());

        await Assert.ThrowsAsync<ArgumentException>(() => provider.RedeliverAsync(envelope, listener, TimeSpan.FromSeconds(7), CancellationToken.None).AsTask());
    }
}
