using Eventing.Conformance;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Eventing.Stomp.Tests.Conformance;
using Eventing.Stomp.Topology;

namespace Eventing.Stomp.Tests.DelayedRetry;

public sealed class ActiveMqDelayedRetryTests(ActiveMqStompTarget target) : DelayedRetryConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>
{
    [Fact]
    public async Task A_per_process_listener_with_delayed_retries_is_refused_at_start_naming_the_option()
    {
        await using var host = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] });

        // ActiveMQ's per-process listeners read the virtual topic itself: no queue of their own to put the copy on.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Events.SubscribeAsync<DelayedNeverEvent>(Listener("delayed-perprocess"), (_, _, _) => default, perProcess: true).AsTask());
        Assert.Contains("asks for delayed retries (Retry(immediate: ..., delayed: [...]))", refused.Message, StringComparison.Ordinal);
        Assert.Contains("per-process", refused.Message, StringComparison.Ordinal);
    }
}

public sealed class RabbitMqDelayedRetryTests(RabbitMqStompTarget target) : DelayedRetryConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

/// <summary>SIGKILL between ActiveMQ's scheduler taking the copy (its receipt) and the ack of the original.</summary>
public sealed class ActiveMqDelayedCopyKillTests(ActiveMqStompTarget target) : DelayedCopyKillConformance<ActiveMqStompTarget>(target), IClassFixture<ActiveMqStompTarget>;

/// <summary>SIGKILL between RabbitMQ's delay queue taking the copy (its receipt) and the ack of the original.</summary>
public sealed class RabbitMqDelayedCopyKillTests(RabbitMqStompTarget target) : DelayedCopyKillConformance<RabbitMqStompTarget>(target), IClassFixture<RabbitMqStompTarget>;

/// <summary>Which topologies can delay, without a broker (no Artemis runs in these tests).</summary>
public sealed class StompDelayedRetryTopologyTests
{
    private static readonly ListenerDescriptor Shared = new(new EventDescriptor("orders.placed"), "billing", perProcess: false, "p1");

    [Fact]
    public void Artemis_cannot_delay_so_its_listeners_with_delayed_retries_are_refused()
    {
        Assert.Null(new ArtemisStompTopology().DelayedRedelivery(Shared, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void RabbitMq_declares_each_delay_queue_with_the_same_arguments_on_every_send()
    {
        var topology = new RabbitMqStompTopology();
        var first = topology.DelayedRedelivery(Shared, TimeSpan.FromSeconds(10))!;
        var again = topology.DelayedRedelivery(Shared, TimeSpan.FromSeconds(10))!;

        Assert.Equal("/queue/orders.placed::billing.delay.10s", first.Destination);
        Assert.Equal(first.Headers, again.Headers);
        Assert.Contains(new KeyValuePair<string, string>("x-message-ttl", "10000"), first.Headers);
        Assert.Contains(new KeyValuePair<string, string>("x-dead-letter-routing-key", "orders.placed::billing"), first.Headers);
    }

    [Fact]
    public void ActiveMq_schedules_the_copy_on_the_listeners_own_consumer_queue()
    {
        var send = new ActiveMqStompTopology().DelayedRedelivery(Shared, TimeSpan.FromSeconds(2))!;

        Assert.Equal("/queue/Consumer.billing.VirtualTopic.orders.placed", send.Destination);
        Assert.Equal([new KeyValuePair<string, string>("AMQ_SCHEDULED_DELAY", "2000")], send.Headers);
    }
}
