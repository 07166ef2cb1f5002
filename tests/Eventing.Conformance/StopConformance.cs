namespace Eventing.Conformance;

/// <summary>
/// What a provider's stop must not lose: a send that is not durable completes once the provider has it, and an app
/// that stops right after (a CLI, a job) must still have handed it to the broker.
/// </summary>
public abstract class StopConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    [Fact]
    public async Task Events_not_durable_sent_right_before_stop_are_not_dropped_by_the_stop()
    {
        var run = NewRun();
        const int senders = 5;
        const int perSender = 20;
        var received = new Collector<int>();
        await using var listening = await TestHost.StartAsync(Target);
        await using var subscription = await listening.Events.SubscribeAsync<SentBeforeStopEvent>(
            Listener("sentbeforestop"), DeliveryConformance<TTarget>.Collect<SentBeforeStopEvent>(run, received));

        // Each sender is new, so its first send also opens what it sends on (an AMQP 1.0 link, a channel).
        for (var i = 0; i < senders; i++)
        {
            await using var sender = await TestHost.StartAsync(Target);
            var first = i * perSender;
            await DeliveryConformance<TTarget>.SendAllAsync(sender, perSender, seq => new SentBeforeStopEvent(run, first + seq));
            await sender.StopAsync();
        }

        await received.WaitForCountAsync(senders * perSender, Patience, "every event sent before its sender stopped");
        Assert.Equal(Enumerable.Range(0, senders * perSender), received.Items.Order());
    }
}
