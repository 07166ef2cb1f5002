using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;

namespace Eventing.RabbitMq.Tests.DelayedRetry;

/// <summary>
/// Delay queues follow the listener queue's type; quorum queues have message TTL and dead-lettering since RabbitMQ
/// 3.10, the version the tests run on.
/// </summary>
public sealed class QuorumDelayedRetryTests(QuorumRabbitMqTarget target) : ConformanceTests<QuorumRabbitMqTarget>(target), IClassFixture<QuorumRabbitMqTarget>
{
    [Fact]
    public async Task A_message_that_failed_once_comes_back_from_a_quorum_delay_queue_and_is_handled()
    {
        var run = NewRun();
        var attempts = new Collector<string?>();
        var handled = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(1)] });
        await using var subscription = await host.Events.SubscribeAsync<DelayedQuorumEvent>(Listener("quorum"), (e, context, _) =>
        {
            if (e.Run != run)
            {
                return default;
            }

            context.Headers.TryGetValue(CloudEventAttributes.DelayedRetries, out var retries);
            attempts.Add(retries);
            if (retries is null)
            {
                throw new InvalidOperationException("fails on the first delivery");
            }

            handled.TrySetResult(retries);
            return default;
        });

        await host.Events.SendAsync(new DelayedQuorumEvent(run, 1));

        Assert.Equal("1", await handled.Task.WaitAsync(Patience));
        Assert.Equal([null, "1"], attempts.Items);
    }
}
