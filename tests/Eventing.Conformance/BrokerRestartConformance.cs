using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// What a provider on a real broker guarantees across broker restarts: durable events survive, confirmed sends
/// are delivered, subscriptions resume with no user code, and sends while the broker is away wait, then fail
/// clearly. Only targets whose broker can be restarted run these.
/// </summary>
public abstract class BrokerRestartConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget, IRestartableBroker
{
    [Fact]
    public async Task A_durable_event_sent_while_no_consumer_runs_survives_a_broker_restart()
    {
        var run = NewRun();
        var name = Listener("durable");
        const int count = 5;
        await using (var declaring = await TestHost.StartAsync(Target))
        {
            // Subscribing once declares the listener's durable queue; then no consumer runs.
            await using var once = await declaring.Events.SubscribeAsync<DurableEvent>(name, (_, _, _) => default);
        }

        await using (var sender = await TestHost.StartAsync(Target))
        {
            await DeliveryConformance<TTarget>.SendAllAsync(sender, count, seq => new DurableEvent(run, seq));
        }

        await Target.RestartBrokerAsync(CancellationToken.None);

        var received = new Collector<int>();
        await using var consumer = await TestHost.StartAsync(Target);
        await using var subscription = await consumer.Events.SubscribeAsync(name, DeliveryConformance<TTarget>.Collect<DurableEvent>(run, received));
        await received.WaitForCountAsync(count, Patience, "the durable events after the restart");
        Assert.Equal(Enumerable.Range(0, count), received.Items.Order());
    }

    [Fact]
    public async Task Every_confirmed_send_is_delivered_when_the_broker_restarts_mid_stream()
    {
        var run = NewRun();
        const int count = 10_000;
        const int inFlight = 500;
        var probe = new StreamProbe();
        await using var consumer = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = 8);
        await using var subscription = await consumer.Events.SubscribeAsync<MidStreamEvent>(Listener("midstream"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                probe.Received(e.Seq);
            }

            return default;
        });
        await using var sender = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = TimeSpan.FromSeconds(120) });

        var restart = Task.Run(async () =>
        {
            await probe.WaitForSentAsync(2_000);
            await Target.RestartBrokerAsync(CancellationToken.None);
        });
        await probe.SendAsync(sender.Events, count, inFlight, seq => new MidStreamEvent(run, seq));
        await restart.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty(probe.Failures);
        Assert.Equal(count, probe.Confirmed);
        await probe.WaitForEveryConfirmedAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(0, probe.Lost);
    }

    [Fact]
    public async Task A_send_while_the_broker_is_down_waits_up_to_the_send_timeout_then_throws_clearly()
    {
        var run = NewRun();
        var timeout = TimeSpan.FromSeconds(3);
        await using var host = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = timeout });
        await host.Events.SendAsync(new SendWhileDownEvent(run, 0));

        await Target.StopBrokerAsync(CancellationToken.None);
        try
        {
            var watch = Stopwatch.StartNew();
            var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(async () => await host.Events.SendAsync(new SendWhileDownEvent(run, 1)));
            watch.Stop();
            Assert.InRange(watch.Elapsed, timeout - TimeSpan.FromMilliseconds(500), timeout + TimeSpan.FromSeconds(10));
            Assert.False(string.IsNullOrWhiteSpace(exception.Endpoint));
            Assert.Contains(exception.Endpoint, exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            await Target.StartBrokerAsync(CancellationToken.None);
        }

        // The same host sends again once the broker is back: recovery needs no user code.
        await host.Events.SendAsync(new SendWhileDownEvent(run, 2)).AsTask().WaitAsync(TimeSpan.FromMinutes(1));
    }
}
