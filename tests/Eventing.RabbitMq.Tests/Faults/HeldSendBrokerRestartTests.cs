using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;

namespace Eventing.RabbitMq.Tests.Faults;

// Restarts the shared broker: "BrokerRestart" in the name makes CI run it alone. Named so that a filter on
// "Schedul" (the scheduled-send tests) never restarts the broker.

/// <summary>A scheduled send waiting in the delay levels is the broker's: it survives a broker restart, never early.</summary>
public sealed class HeldSendBrokerRestartTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    [Fact]
    public async Task A_scheduled_send_waiting_in_the_delay_levels_survives_a_broker_restart_and_arrives_no_earlier_than_due()
    {
        var run = NewRun();
        var received = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<HeldSendRestartEvent>(Listener("held-restart"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                received.TrySetResult(DateTimeOffset.UtcNow);
            }

            return default;
        });

        // Long enough to be still waiting when the broker is back (a restart here takes 3-8 s): 12 s = 8192 + 2048 +
        // 1024 + 512 + 256 ms waits in five levels, across the restart.
        var dueAt = DateTimeOffset.UtcNow.AddSeconds(12);
        await host.Events.ScheduleAsync(new HeldSendRestartEvent(run), dueAt);
        await Target.RestartBrokerAsync(CancellationToken.None);

        var arrived = await received.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(arrived >= dueAt, $"Arrived {(dueAt - arrived).TotalMilliseconds:0} ms before its due time.");
    }
}

[Event("faults.rabbit.held-restart", Durable = true)]
internal sealed record HeldSendRestartEvent(string Run);
