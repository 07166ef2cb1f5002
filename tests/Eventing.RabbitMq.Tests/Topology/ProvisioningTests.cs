using System.Text.Json;
using Eventing.Conformance;
using Eventing.Providers;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.RabbitMq.Tests.Topology;

/// <summary>Queues declared without consuming them (<c>events.Provision</c>), and the prefetch the broker gives a listener's consumer.</summary>
public sealed class ProvisioningTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    private static readonly EventDescriptor Provisioned = new("topology.rabbit.provisioned", durable: true);

    [Fact]
    public async Task An_event_sent_after_provisioning_and_before_any_listener_subscribed_is_delivered_once_it_subscribes()
    {
        var run = NewRun();
        var listener = new ListenerDescriptor(Provisioned, Listener("provisioned"), perProcess: false, processId: "tests");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await TestHost.StartAsync(Target, configure: events => events.Provision<ProvisionedEvent>(listener.Name));
            // Idempotent: provisioning again changes nothing.
            await host.Services.GetRequiredService<IProvider>().ProvisionAsync(listener, CancellationToken.None);

            await host.Events.SendAsync(new ProvisionedEvent(run, 1));
            Assert.Equal(1u, await raw.MessageCountAsync(listener.Queue));
            Assert.Equal(0u, await raw.MessageCountAsync(listener.DeadLetterQueue));

            var received = new Collector<int>();
            await using var subscription = await host.Events.SubscribeAsync<ProvisionedEvent>(listener.Name, (e, _, _) =>
            {
                if (e.Run == run)
                {
                    received.Add(e.Seq);
                }

                return default;
            });
            await received.WaitForCountAsync(1, Patience, "the event sent before the listener subscribed");
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    [Fact]
    public async Task Provisioning_a_per_process_listener_declares_its_dead_letter_queue_but_not_its_exclusive_queue()
    {
        var listener = new ListenerDescriptor(Provisioned, Listener("per-process"), perProcess: true, processId: NewRun());
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await TestHost.StartAsync(Target);
            await host.Services.GetRequiredService<IProvider>().ProvisionAsync(listener, CancellationToken.None);

            // The queue is exclusive to the connection of the process's consumer, which does not exist yet.
            Assert.Null(await raw.MessageCountAsync(listener.Queue));
            Assert.Equal(0u, await raw.MessageCountAsync(listener.DeadLetterQueue));
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    [Theory]
    [InlineData(7, 4, 7)]
    [InlineData(null, 1, 50)]
    [InlineData(500, 1, 100)]
    public async Task The_broker_gives_a_listeners_consumer_the_listeners_prefetch_up_to_MaxPrefetch(int? prefetch, int concurrency, int expected)
    {
        var listener = new ListenerDescriptor(new EventDescriptor("topology.rabbit.prefetch", durable: true), Listener("prefetch-" + expected), perProcess: false, processId: "tests", concurrency)
        {
            Prefetch = prefetch,
        };
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await TestHost.StartAsync(Target);
            await using var subscription = await host.Services.GetRequiredService<IProvider>().SubscribeAsync(listener, CancellationToken.None);

            Assert.Equal(expected, await ConsumerPrefetchAsync(listener.Queue));
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    // What the broker applies to the queue's consumer (basic.qos is per consumer: global=false). Reading it needs no
    // change to the broker: rabbitmqctl only lists.
    private static async Task<int> ConsumerPrefetchAsync(string queue)
    {
        var output = await EngScript.RunAsync("brokers.sh", ["ctl", "-q", "list_consumers", "queue_name", "prefetch_count", "--formatter", "json"], TimeSpan.FromMinutes(1));
        using var consumers = JsonDocument.Parse(output[output.IndexOf('[', StringComparison.Ordinal)..]);
        var consumer = Assert.Single(consumers.RootElement.EnumerateArray(), c => c.GetProperty("queue_name").GetString() == queue);
        return consumer.GetProperty("prefetch_count").GetInt32();
    }
}
