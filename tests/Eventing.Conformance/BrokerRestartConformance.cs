using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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

    [Fact]
    public async Task The_health_check_turns_unhealthy_within_the_grace_period_of_a_stopped_broker_and_healthy_again_with_deliveries_flowing()
    {
        var run = NewRun();
        var grace = TimeSpan.FromSeconds(5);
        var received = new Collector<int>();
        await using var host = await TestHost.StartAsync(Target, configure: events => events.Services.AddHealthChecks().AddEventing(health => health.GracePeriod = grace));
        await using var subscription = await host.Events.SubscribeAsync(Listener("health"), DeliveryConformance<TTarget>.Collect<HealthEvent>(run, received));
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        await Target.StopBrokerAsync(CancellationToken.None);
        HealthReportEntry down;
        try
        {
            down = await WaitForHealthAsync(health, HealthStatus.Unhealthy, grace + TimeSpan.FromSeconds(5), "Unhealthy after the broker stopped");
        }
        finally
        {
            await Target.StartBrokerAsync(CancellationToken.None);
        }

        Assert.Equal(false, down.Data["connected"]);
        Assert.Contains("down", down.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("guest:guest", down.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("admin:admin", down.Description, StringComparison.Ordinal);

        await WaitForHealthAsync(health, HealthStatus.Healthy, Patience, "Healthy after the broker came back");
        await host.Events.SendAsync(new HealthEvent(run, 1));
        await received.WaitForCountAsync(1, Patience, "an event sent once the check said healthy again");
    }

    /// <summary>Asks the check every 100 ms (health has no signal to wait on) until it reports <paramref name="wanted"/>.</summary>
    private static async Task<HealthReportEntry> WaitForHealthAsync(HealthCheckService health, HealthStatus wanted, TimeSpan within, string what)
    {
        var watch = Stopwatch.StartNew();
        HealthReportEntry last;
        while (true)
        {
            last = (await health.CheckHealthAsync()).Entries["eventing"];
            if (last.Status == wanted)
            {
                return last;
            }

            if (watch.Elapsed > within)
            {
                throw new TimeoutException($"The health check was not {what} within {within.TotalSeconds:0} s; it said {last.Status}: {last.Description}");
            }

            await Task.Delay(100);
        }
    }
}
