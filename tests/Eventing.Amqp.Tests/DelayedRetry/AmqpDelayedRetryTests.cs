using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Eventing.Amqp.Tests.Conformance;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Amqp.Topology;
using Eventing.Conformance;

namespace Eventing.Amqp.Tests.DelayedRetry;

/// <summary>SIGKILL between the delay queue accepting the copy and the settlement of the original.</summary>
public sealed class AmqpDelayedCopyKillTests(AmqpTarget target) : DelayedCopyKillConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>;

/// <summary>Delayed retries on RabbitMQ's AMQP 1.0: the broker waits in a delay queue, the consumer is free meanwhile.</summary>
public sealed class AmqpDelayedRetryTests(AmqpTarget target) : DelayedRetryConformance<AmqpTarget>(target), IClassFixture<AmqpTarget>
{
    [Fact]
    public async Task A_topology_that_cannot_delay_refuses_a_listener_with_delayed_retries_at_subscribe_naming_the_option()
    {
        await using var provider = await ProviderHarness.StartAsync(o => o.Topology = AmqpTopology.Artemis);
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] };
        var listener = new ListenerDescriptor(new EventDescriptor(ProviderHarness.Unique("delayed.amqp.artemis"), durable: true), "artemis", perProcess: false, processId: "p", retry: retry);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.SubscribeAsync(listener, CancellationToken.None));
        Assert.Contains("Retry(immediate: ..., delayed: [...])", refused.Message, StringComparison.Ordinal);
        Assert.Contains("artemis", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delay_the_listener_was_not_configured_with_is_refused()
    {
        await using var provider = await ProviderHarness.StartAsync();
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(5)] };
        var listener = new ListenerDescriptor(new EventDescriptor(ProviderHarness.Unique("delayed.amqp.unknown"), durable: true), "unknown", perProcess: false, processId: "p", retry: retry);
        var envelope = new Envelope(listener.Event.Name, "{}"u8.ToArray());

        await Assert.ThrowsAsync<ArgumentException>(() => provider.RedeliverAsync(envelope, listener, TimeSpan.FromSeconds(7), CancellationToken.None).AsTask());
    }
}
