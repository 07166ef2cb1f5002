using System.Collections.Concurrent;
using Eventing.Local;
using Eventing.Providers;

namespace Eventing.Tests;

public sealed class ScheduledSendTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_provider_that_cannot_hold_messages_refuses_a_delayed_send_naming_the_options_and_the_outbox()
    {
        var provider = new PlainProvider(new LocalProvider(new LocalBroker()));
        await using var host = await TestHost.StartAsync(events => events.AddEvent<Order>("scheduled.unsupported"), provider: provider);

        var refused = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await host.Events.SendAsync(new Order(1), new SendOptions { Delay = TimeSpan.FromSeconds(5) }, CancellationToken.None));
        Assert.Contains("SendOptions.Delay, ScheduleAsync", refused.Message, StringComparison.Ordinal);
        Assert.Contains("IOutbox.ScheduleAsync", refused.Message, StringComparison.Ordinal);

        // Without a delay the same provider sends as ever.
        await host.Events.SendAsync(new Order(2), new SendOptions(), CancellationToken.None);
    }

    [Fact]
    public async Task Options_that_contradict_each_other_or_exceed_the_longest_delay_are_refused_before_anything_is_sent()
    {
        var handled = new ConcurrentQueue<int>();
        await using var host = await TestHost.StartAsync(events => events.AddEvent<Order>("scheduled.invalid"));
        await using var subscription = await host.Events.SubscribeAsync<Order>("invalid", (order, _, _) =>
        {
            handled.Enqueue(order.Seq);
            return default;
        });

        var both = await Assert.ThrowsAsync<ArgumentException>(async () => await host.Events.SendAsync(new Order(1), new SendOptions
        {
            Delay = TimeSpan.FromSeconds(1),
            DeliverAt = DateTimeOffset.UtcNow.AddSeconds(1),
        }, CancellationToken.None));
        Assert.Contains("not both", both.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await host.Events.SendAsync(new Order(2), new SendOptions { Delay = TimeSpan.FromSeconds(-1) }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await host.Events.SendAsync(new Order(3), new SendOptions { Delay = SendOptions.MaxDelay + TimeSpan.FromDays(1) }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await host.Events.ScheduleAsync(new Order(4), DateTimeOffset.UtcNow.AddYears(2)));

        // The refused ones never reach the listener; the next, valid one does.
        var valid = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var probe = await host.Events.SubscribeAsync<Order>("invalid-probe", (order, _, _) =>
        {
            valid.TrySetResult();
            return default;
        });
        await host.Events.SendAsync(new Order(5), new SendOptions { Delay = SendOptions.MaxDelay }, CancellationToken.None);
        await host.Events.SendAsync(new Order(6));
        await valid.Task.WaitAsync(Patience);
        Assert.DoesNotContain(handled, seq => seq < 5);
    }

    private sealed record Order(int Seq);

    /// <summary>The local provider without its scheduled delivery, as a provider whose broker cannot hold messages.</summary>
    private sealed class PlainProvider(IProvider inner) : ForwardingProvider(inner);
}
