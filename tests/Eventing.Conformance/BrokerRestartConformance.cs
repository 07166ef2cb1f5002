using System.Collections.Concurrent;
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
        var received = new Collector<int>();
        var distinct = new ConcurrentDictionary<int, bool>();
        await using var consumer = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = 8);
        await using var subscription = await consumer.Events.SubscribeAsync<MidStreamEvent>(Listener("midstream"), (e, _, _) =>
        {
            if (e.Run == run && distinct.TryAdd(e.Seq, true))
            {
                received.Add(e.Seq);
            }

            return default;
        });
        await using var sender = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = TimeSpan.FromSeconds(120) });

        var confirmed = new ConcurrentBag<int>();
        var failures = new ConcurrentBag<Exception>();
        var restartAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restart = restartAt.Task.ContinueWith(_ => Target.RestartBrokerAsync(CancellationToken.None), TaskScheduler.Default).Unwrap();
        using var slots = new SemaphoreSlim(inFlight);
        var sends = new List<Task>(count);
        for (var seq = 0; seq < count; seq++)
        {
            await slots.WaitAsync();
            sends.Add(SendOneAsync(seq));
        }

        await Task.WhenAll(sends);
        await restart.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty(failures);
        Assert.Equal(count, confirmed.Count);
        var expected = confirmed.ToHashSet();
        await received.WaitAsync(items => items.Count >= expected.Count, TimeSpan.FromMinutes(3), "every confirmed send at the listener");
        Assert.True(expected.SetEquals(received.Items), "every confirmed send arrives at least once");
        Assert.True(restartAt.Task.IsCompleted);

        async Task SendOneAsync(int seq)
        {
            try
            {
                await sender.Events.SendAsync(new MidStreamEvent(run, seq));
                confirmed.Add(seq);
                if (confirmed.Count % 1000 == 0 && Environment.GetEnvironmentVariable("EVENTING_TEST_LOG") is { Length: > 0 } log)
                {
                    File.AppendAllText(log, $"{DateTime.UtcNow:HH:mm:ss.fff} test: {confirmed.Count} confirmed, {received.Count} received{Environment.NewLine}");
                }

                // At least, not exactly: concurrent sends can step over 2,000 between two checks.
                if (confirmed.Count >= 2_000)
                {
                    restartAt.TrySetResult();
                }
            }
            catch (Exception exception)
            {
                failures.Add(exception);
            }
            finally
            {
                slots.Release();
            }
        }
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
