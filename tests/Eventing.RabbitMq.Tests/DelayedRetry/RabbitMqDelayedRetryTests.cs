using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Eventing.Conformance;
using Eventing.Providers;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;
using Eventing.RabbitMq.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Tests.DelayedRetry;

/// <summary>
/// Delayed retries on RabbitMQ: the copy waits in a delay queue (its TTL the delay) and expires back to the listener's
/// queue, so the consumer is free meanwhile.
/// </summary>
/// <summary>SIGKILL between the delay queue confirming the copy and the ack of the original.</summary>
public sealed class RabbitMqDelayedCopyKillTests(ClassicRabbitMqTarget target) : DelayedCopyKillConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>;

public sealed class RabbitMqDelayedRetryTests(ClassicRabbitMqTarget target) : DelayedRetryConformance<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task A_delay_queue_has_the_delay_as_ttl_and_its_messages_go_back_only_to_its_listener()
    {
        var run = NewRun();
        var delayed = new Collector<int>();
        var other = new Collector<int>();
        var delayedName = Listener("queues-delayed");
        await using var delayedHost = await TestHost.StartAsync(Target, options: o =>
            o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero) { Delayed = [TimeSpan.FromSeconds(2)] });
        await using var otherHost = await TestHost.StartAsync(Target);
        await using var delayedSubscription = await delayedHost.Events.SubscribeAsync<DelayedQueuesEvent>(delayedName, (e, _, _) => Collect(delayed, e, run));
        await using var otherSubscription = await otherHost.Events.SubscribeAsync<DelayedQueuesEvent>(Listener("queues-other"), (e, _, _) => Collect(other, e, run));
        var delayQueue = Queue("delayed.rabbit.queues", delayedName) + ".delay.2s";
        await using var raw = await RawRabbit.ConnectAsync();

        // The broker accepts a declaration only with the arguments the queue has (else PRECONDITION_FAILED, 406).
        var arguments = new Dictionary<string, object?>
        {
            ["x-message-ttl"] = 2000L,
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = Queue("delayed.rabbit.queues", delayedName),
        };
        Assert.Null(await raw.DeclareDurableQueueAsync(delayQueue, arguments));
        arguments["x-message-ttl"] = 3000L;
        Assert.Equal((ushort)Constants.PreconditionFailed, await raw.DeclareDurableQueueAsync(delayQueue, arguments));

        await raw.PublishToQueueAsync(delayQueue, Binary("delayed.rabbit.queues"), JsonSerializer.SerializeToUtf8Bytes(new DelayedQueuesEvent(run, 1), Web));
        await delayed.WaitForCountAsync(1, Patience, "the message back from the delay queue");

        // Both queues are FIFO: had the expired message reached the other listener, it would come before this one.
        await otherHost.Events.SendAsync(new DelayedQueuesEvent(run, 2));
        await other.WaitForCountAsync(1, Patience, "the event sent afterwards");
        Assert.Equal([2], other.Items);
        await delayed.WaitForCountAsync(2, Patience, "the event sent afterwards, on the delayed listener too");
        Assert.Equal([1, 2], delayed.Items);
    }

    [Fact]
    public async Task A_delay_that_is_not_one_of_the_listeners_delays_is_refused()
    {
        await using var provider = new RabbitMqProvider(new RabbitMqProviderOptions(), NullLoggerFactory.Instance);
        var listener = new ListenerDescriptor(new EventDescriptor("orders.placed", durable: true), "billing", perProcess: false, processId: "p1",
            retry: RetryPolicy.Default with { Delayed = [TimeSpan.FromSeconds(10)] });
        var envelope = new Envelope("orders.placed", "{}"u8.ToArray());

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => provider.RedeliverAsync(envelope, listener, TimeSpan.FromSeconds(5), CancellationToken.None).AsTask());
        Assert.Contains("Listener 'billing' has no delayed retry of 00:00:05", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_topology_lists_one_delay_queue_per_distinct_delay()
    {
        await using var provider = new RabbitMqProvider(new RabbitMqProviderOptions(), NullLoggerFactory.Instance);
        var listener = new ListenerDescriptor(new EventDescriptor("orders.placed", durable: true), "billing", perProcess: false, processId: "p1",
            retry: RetryPolicy.Default with { Delayed = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1500)] });

        var rows = provider.DescribeTopology(listener);

        Assert.Equal(
        [
            new TopologyEntry("rabbitmq", TopologyEntry.Queue, "orders.placed::billing.delay.10s", "delayed retries: messages wait 10 s, then go back to orders.placed::billing"),
            new TopologyEntry("rabbitmq", TopologyEntry.Queue, "orders.placed::billing.delay.60s", "delayed retries: messages wait 60 s, then go back to orders.placed::billing"),
            new TopologyEntry("rabbitmq", TopologyEntry.Queue, "orders.placed::billing.delay.1500ms", "delayed retries: messages wait 1.5 s, then go back to orders.placed::billing"),
        ], rows.Skip(3));
    }

    private static ValueTask Collect(Collector<int> collector, DelayedQueuesEvent e, string run)
    {
        if (e.Run == run)
        {
            collector.Add(e.Seq);
        }

        return default;
    }

    private static BasicProperties Binary(string type) => new()
    {
        Headers = new Dictionary<string, object?>
        {
            ["ce_specversion"] = "1.0",
            ["ce_id"] = Guid.NewGuid().ToString(),
            ["ce_type"] = type,
            ["ce_source"] = "/raw/peer",
        },
        ContentType = "application/json",
        DeliveryMode = DeliveryModes.Persistent,
    };
}
