namespace Eventing.Conformance;

/// <summary>
/// On a broker, a scheduled send is the broker's once the send returned: the sending process can go away and the
/// event still arrives on time, at a listener in another process.
/// </summary>
public abstract class BrokerHeldScheduleConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    [Fact]
    public async Task A_scheduled_send_arrives_on_time_after_the_sending_host_is_gone()
    {
        var run = NewRun();
        var received = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await TestHost.StartAsync(Target);
        await using var subscription = await receiver.Events.SubscribeAsync<ScheduledSenderGoneEvent>(Listener("scheduled-gone"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                received.TrySetResult(DateTimeOffset.UtcNow);
            }

            return default;
        });

        var dueAt = DateTimeOffset.UtcNow.AddSeconds(2);
        await using (var sender = await TestHost.StartAsync(Target))
        {
            await sender.Events.ScheduleAsync(new ScheduledSenderGoneEvent(run, 1), dueAt);
        }

        ScheduledSendConformance<TTarget>.AssertOnTime(await received.Task.WaitAsync(Patience), dueAt);
    }
}
