using System.Collections.Concurrent;

namespace Eventing.Conformance;

/// <summary>
/// Scheduled sends on every provider whose broker can hold them (local: a timer): an event sent for later reaches its
/// listener no earlier than its due time and within a second after it, and events due in another order than they were
/// sent arrive in the order they are due.
/// </summary>
public abstract class ScheduledSendConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    // The contract of a scheduled send: never early, at most this late (the broker's timer, a hop or two, the consumer).
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_scheduled_send_arrives_no_earlier_than_its_time_and_within_1_s_after_it()
    {
        var run = NewRun();
        var arrived = new ConcurrentDictionary<int, (DateTimeOffset At, string? Header)>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<ScheduledEvent>(Listener("scheduled"), (e, context, _) =>
        {
            if (e.Run == run)
            {
                context.Headers.TryGetValue("tenant", out var tenant);
                arrived[e.Seq] = (DateTimeOffset.UtcNow, tenant);
                if (arrived.Count == 3)
                {
                    all.TrySetResult();
                }
            }

            return default;
        });

        var sentAt = DateTimeOffset.UtcNow;
        var dueAt = sentAt.AddSeconds(2.5);
        await host.Events.ScheduleAsync(new ScheduledEvent(run, 1), dueAt);
        var delayed = DateTimeOffset.UtcNow;
        await host.Events.SendAsync(new ScheduledEvent(run, 2), new SendOptions
        {
            Delay = TimeSpan.FromSeconds(1.5),
            Headers = [new("tenant", "acme")],
        }, CancellationToken.None);
        await host.Events.SendAsync(new ScheduledEvent(run, 0));

        await all.Task.WaitAsync(Patience);
        Assert.True(arrived[0].At < delayed.AddSeconds(1.5), "The event sent at once did not wait for the scheduled ones.");
        AssertOnTime(arrived[1].At, dueAt);
        AssertOnTime(arrived[2].At, delayed.AddSeconds(1.5));
        Assert.Equal("acme", arrived[2].Header);
    }

    [Fact]
    public async Task Scheduled_sends_arrive_in_the_order_they_are_due_not_in_the_order_they_were_sent()
    {
        // A broker expiring messages only at a queue's head would hold the short delays behind the long one.
        var run = NewRun();
        var order = new ConcurrentQueue<(int Seq, DateTimeOffset At)>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<ScheduledEvent>(Listener("scheduled-order"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                order.Enqueue((e.Seq, DateTimeOffset.UtcNow));
                if (order.Count == 3)
                {
                    all.TrySetResult();
                }
            }

            return default;
        });

        var due = new Dictionary<int, DateTimeOffset>();
        foreach (var (seq, seconds) in new[] { (3, 3.3), (1, 1.1), (2, 2.2) })
        {
            due[seq] = DateTimeOffset.UtcNow.AddSeconds(seconds);
            await host.Events.SendAsync(new ScheduledEvent(run, seq), new SendOptions { DeliverAt = due[seq] }, CancellationToken.None);
        }

        await all.Task.WaitAsync(Patience);
        Assert.Equal([1, 2, 3], order.Select(o => o.Seq));
        Assert.All(order, o => AssertOnTime(o.At, due[o.Seq]));
    }

    [Fact]
    public async Task A_due_time_in_the_past_sends_at_once_and_a_zero_delay_too()
    {
        var run = NewRun();
        var arrived = new ConcurrentBag<int>();
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<ScheduledEvent>(Listener("scheduled-past"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                arrived.Add(e.Seq);
                if (arrived.Count == 2)
                {
                    both.TrySetResult();
                }
            }

            return default;
        });

        await host.Events.ScheduleAsync(new ScheduledEvent(run, 1), DateTimeOffset.UtcNow.AddMinutes(-1));
        await host.Events.SendAsync(new ScheduledEvent(run, 2), new SendOptions { Delay = TimeSpan.Zero }, CancellationToken.None);

        // Well inside any scheduled hop: these went the ordinary way.
        await both.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([1, 2], arrived.Order());
    }

    internal static void AssertOnTime(DateTimeOffset arrived, DateTimeOffset due)
    {
        Assert.True(arrived >= due, $"Arrived {(due - arrived).TotalMilliseconds:0} ms before its due time.");
        Assert.True(arrived <= due + Lateness, $"Arrived {(arrived - due).TotalMilliseconds:0} ms after its due time, more than {Lateness.TotalMilliseconds:0} ms.");
    }
}
