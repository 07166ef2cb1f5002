using System.Diagnostics;
using Eventing.Amqp.Tests.Conformance;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.Faults;

/// <summary>After the broker was down for a while, a listener receives again within 5 s of it accepting connections.</summary>
[Collection(BrokerRestarts.Name)]
public sealed class AmqpResumeBrokerRestartTests(AmqpTarget target) : ConformanceTests<AmqpTarget>(target), IClassFixture<AmqpTarget>
{
    private static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_listener_receives_again_within_5_s_of_the_broker_accepting_connections()
    {
        var run = NewRun();
        var received = new Collector<long>();
        await using var host = await TestHost.StartAsync(Target);
        await using var subscription = await host.Events.SubscribeAsync<AmqpResumeEvent>(Listener("resume"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                received.Add(Stopwatch.GetTimestamp());
            }

            return default;
        });

        await Target.StopBrokerAsync(CancellationToken.None);
        // Starting takes several seconds: long enough for reconnection attempts to back off.
        await Target.StartBrokerAsync(CancellationToken.None);
        var accepting = Stopwatch.GetTimestamp();
        // Sent by a host of its own, so the listener's connection is not the one a send hurries back.
        await using (var sender = await TestHost.StartAsync(Target))
        {
            await sender.Events.SendAsync(new AmqpResumeEvent(run, 1));
        }

        await received.WaitForCountAsync(1, TimeSpan.FromMinutes(1), "the event after the restart");
        var resumed = Stopwatch.GetElapsedTime(accepting, received.Items[0]);
        Assert.True(resumed < ResumeBound, $"the listener received {resumed.TotalSeconds:0.0} s after the broker accepted connections again");
    }
}
