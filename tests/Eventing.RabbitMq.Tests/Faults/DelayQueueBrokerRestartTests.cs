using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;

namespace Eventing.RabbitMq.Tests.Faults;

// Restarts the shared broker: "BrokerRestart" in the name makes CI run it alone. Outside the DelayedRetry folder and
// namespace on purpose, so `--filter FullyQualifiedName~DelayedRetry` never restarts the broker.

/// <summary>A message waiting for its delayed retry is the broker's: it survives a broker restart.</summary>
public sealed class DelayQueueBrokerRestartTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    [Fact]
    public async Task A_message_waiting_in_a_delay_queue_survives_a_broker_restart_and_is_handled_after_it()
    {
        var run = NewRun();
        var name = Listener("delayrestart");
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] });
        await using var subscription = await host.Events.SubscribeAsync<DelayRestartEvent>(name, (e, context, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            context.Headers.TryGetValue(CloudEventAttributes.DelayedRetries, out var retries);
            if (retries is null)
            {
                failed.TrySetResult();
                throw new InvalidOperationException("fails on the first delivery");
            }

            handled.TrySetResult(retries);
            return default;
        });

        await host.Events.SendAsync(new DelayRestartEvent(run, 1));
        await failed.Task.WaitAsync(Patience);
        await using (var raw = await RawRabbit.ConnectAsync())
        {
            // The copy is confirmed just after the failure; the broker's queue count is the only signal of it.
            var delayQueue = Queue("faults.rabbit.delayrestart", name) + ".delay.5s";
            using var timeout = new CancellationTokenSource(Patience);
            while (await raw.MessageCountAsync(delayQueue) != 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
            }
        }

        await Target.RestartBrokerAsync(CancellationToken.None);

        // Expired during the restart or after it, the copy goes back to the durable listener queue and the
        // subscription, recovered by itself, handles it.
        Assert.Equal("1", await handled.Task.WaitAsync(TimeSpan.FromMinutes(2)));
    }
}
