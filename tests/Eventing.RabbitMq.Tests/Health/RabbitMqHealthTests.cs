using Eventing.Conformance;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Wire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.RabbitMq.Tests.Health;

/// <summary>
/// What the <c>eventing</c> health check says of the RabbitMq provider, read through the real check: its connection
/// and endpoint, and a listener whose queue an operator deleted, which the provider declares again by itself.
/// </summary>
public sealed class RabbitMqHealthTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    [Fact]
    public async Task A_queue_deleted_under_a_running_listener_is_declared_again_and_the_check_is_never_healthy_while_the_listener_is_deaf()
    {
        var run = NewRun();
        var listener = new ListenerDescriptor(new EventDescriptor("health.rabbit.deleted", durable: true), Listener("health-deleted"), perProcess: false, processId: "tests");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await HealthHost.StartAsync(Target);
            var received = new Collector<int>();
            await using var subscription = await host.Events.SubscribeAsync<DeletedQueueEvent>(listener.Name, (e, _, _) => Receive(received, run, e.Run, e.Seq));
            var probes = new Probes<DeletedQueueEvent>(host, received, seq => new DeletedQueueEvent(run, seq));
            await probes.SendAndReceiveAsync();

            await DeleteQueueAsync(listener.Queue);

            // Whatever the check says meanwhile, Healthy means a message sent now arrives.
            await host.PollAsync(entry => entry.Status == HealthStatus.Healthy && probes.Sent > 1, probes.ObserveAsync, Patience, "Healthy after the queue was deleted");
            Assert.Equal(0u, await raw.MessageCountAsync(listener.DeadLetterQueue));
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    [Fact]
    public async Task A_deleted_queue_that_cannot_be_declared_again_is_degraded_then_unhealthy_naming_the_listener_and_queue_and_healthy_once_it_is_restored()
    {
        var run = NewRun();
        var listener = new ListenerDescriptor(new EventDescriptor("health.rabbit.refused", durable: true), Listener("health-refused"), perProcess: false, processId: "tests");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await HealthHost.StartAsync(Target);
            var received = new Collector<int>();
            await using var subscription = await host.Events.SubscribeAsync<RefusedQueueEvent>(listener.Name, (e, _, _) => Receive(received, run, e.Run, e.Seq));
            var probes = new Probes<RefusedQueueEvent>(host, received, seq => new RefusedQueueEvent(run, seq));
            await probes.SendAndReceiveAsync();

            // A dead-letter queue of the same name the broker will not let the provider declare again: re-declaring
            // the listener's topology fails (and backs off) until it is gone.
            await raw.DeclareConflictingQueueAsync(listener.DeadLetterQueue);
            await DeleteQueueAsync(listener.Queue);

            var degraded = await host.PollAsync(entry => entry.Status == HealthStatus.Degraded, probes.ObserveAsync, Patience, "Degraded");
            AssertNamesConsumer(degraded, listener);
            var unhealthy = await host.PollAsync(entry => entry.Status == HealthStatus.Unhealthy, probes.ObserveAsync, Patience, "Unhealthy after the grace period");
            AssertNamesConsumer(unhealthy, listener);
            Assert.Contains($"listener {listener.Name} (queue {listener.Queue}", unhealthy.Description, StringComparison.Ordinal);

            // The operator removes the conflict; the provider's next try declares everything and consumes again.
            await DeleteQueueAsync(listener.DeadLetterQueue);
            var healthy = await host.PollAsync(entry => entry.Status == HealthStatus.Healthy, probes.ObserveAsync, TimeSpan.FromSeconds(60), "Healthy once the conflict was removed");
            Assert.False(healthy.Data.ContainsKey($"listener.{listener.Name}"));
            Assert.True(probes.Sent > 1, "no message was sent while the check said Healthy");
            // Declared again by the provider, durable: the broker accepts the provider's own declaration now.
            Assert.Equal(0u, await raw.MessageCountAsync(listener.DeadLetterQueue));
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    [Fact]
    public async Task The_health_check_names_the_endpoint_with_the_password_masked()
    {
        await using var host = await HealthHost.StartAsync(Target);

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        var endpoint = Assert.IsType<string>(entry.Data["endpoint"]);
        Assert.Contains($"guest:***@127.0.0.1:{TestBrokers.RabbitMqPort}", endpoint, StringComparison.Ordinal);
        Assert.DoesNotContain(":guest@", endpoint, StringComparison.Ordinal);
        Assert.Equal(true, entry.Data["connected"]);
        Assert.Equal("rabbitmq", host.Provider.MessagingSystem);
    }

    [Fact]
    public async Task Health_snapshot_reports_connected_after_start_and_each_consumer_until_it_is_stopped()
    {
        var listener = new ListenerDescriptor(new EventDescriptor("health.rabbit.connected", durable: true), Listener("health-connected"), perProcess: false, processId: "tests");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await HealthHost.StartAsync(Target);
            var health = host.Provider.Health ?? throw new InvalidOperationException("the RabbitMq provider reports no health");

            var started = health.Snapshot();
            Assert.True(started.IsConnected, started.DownReason);
            Assert.Null(started.DownSince);
            Assert.DoesNotContain(":guest@", started.Endpoint, StringComparison.Ordinal);

            var subscription = await host.Events.SubscribeAsync<ConnectedEvent>(listener.Name, (_, _, _) => default);
            var consuming = Assert.Single(health.Snapshot().Consumers, c => c.Listener == listener.Name);
            Assert.True(consuming.IsConsuming);
            Assert.Equal(listener.Queue, consuming.Queue);
            // The listener's own connection is up too.
            Assert.True(health.Snapshot().IsConnected);

            await subscription.DisposeAsync();
            Assert.DoesNotContain(health.Snapshot().Consumers, c => c.Listener == listener.Name);
            Assert.True(health.Snapshot().IsConnected);
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    private static ValueTask Receive(Collector<int> received, string run, string eventRun, int seq)
    {
        if (eventRun == run)
        {
            received.Add(seq);
        }

        return default;
    }

    private static void AssertNamesConsumer(HealthReportEntry entry, ListenerDescriptor listener)
    {
        var data = Assert.IsType<string>(entry.Data[$"listener.{listener.Name}"]);
        Assert.Contains($"queue {listener.Queue}", data, StringComparison.Ordinal);
        Assert.Contains("queue deleted?", data, StringComparison.Ordinal);
    }

    // What an operator does by hand, through the broker's own tool.
    private static Task DeleteQueueAsync(string queue) => TestBrokers.RunAsync($"ctl delete_queue {queue}", TimeSpan.FromMinutes(1));

    /// <summary>Sends a numbered event each time the check says Healthy, and requires it to arrive: never healthy and deaf.</summary>
    private sealed class Probes<TEvent>(HealthHost host, Collector<int> received, Func<int, TEvent> create)
        where TEvent : notnull
    {
        public int Sent { get; private set; }

        public async Task SendAndReceiveAsync()
        {
            var seq = ++Sent;
            await host.Events.SendAsync(create(seq));
            await received.WaitAsync(items => items.Contains(seq), Patience, $"event {seq}, sent while the check said Healthy");
        }

        public Task ObserveAsync(HealthReportEntry entry) => entry.Status == HealthStatus.Healthy ? SendAndReceiveAsync() : Task.CompletedTask;
    }
}
