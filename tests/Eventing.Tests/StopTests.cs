using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

public sealed class StopTests
{
    public sealed class Blocking
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ObserveCancellation { get; init; }
    }

    public sealed class BlockingListener(Blocking blocking, Recorder recorder) : EventListener<OrderPlaced>
    {
        public override async ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            recorder.Record("blocking", @event, context);
            blocking.Entered.TrySetResult();
            if (blocking.ObserveCancellation)
            {
                await blocking.Release.Task.WaitAsync(cancellationToken);
            }
            else
            {
                await blocking.Release.Task;
            }

            blocking.Finished.TrySetResult(true);
        }
    }

    [Fact]
    public async Task Stopping_waits_for_in_flight_handlers_and_acks_only_what_was_handled()
    {
        var blocking = new Blocking();
        var recorder = new Recorder();
        var broker = new LocalBroker();
        var host = await TestHost.StartAsync(
            events => events.AddListener<BlockingListener>(l => l.Name("graceful")),
            services => services.AddSingleton(blocking).AddSingleton(recorder),
            broker);

        await host.Events.SendAsync(new OrderPlaced(1, "in flight"));
        await host.Events.SendAsync(new OrderPlaced(2, "not started"));
        await blocking.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stopping = host.StopAsync();
        await Task.Delay(100);
        Assert.False(stopping.IsCompleted, "stop must wait for the in-flight handler");

        blocking.Release.TrySetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(blocking.Finished.Task.IsCompletedSuccessfully);

        // The handled event is gone; the one never started is still queued for the next consumer.
        Assert.Equal(1, broker.GetQueueDepth("tests.order-placed::graceful"));
        Assert.Single(recorder.Seen);
        await host.DisposeAsync();
    }

    [Fact]
    public async Task A_handler_still_running_after_the_shutdown_timeout_is_cancelled_and_its_event_goes_back()
    {
        var blocking = new Blocking { ObserveCancellation = true };
        var broker = new LocalBroker();
        var host = await TestHost.StartAsync(
            events => events.AddListener<BlockingListener>(l => l.Name("timeout")).Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)),
            services => services.AddSingleton(blocking).AddSingleton(new Recorder()),
            broker);

        await host.Events.SendAsync(new OrderPlaced(1, "slow"));
        await blocking.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(blocking.Finished.Task.IsCompleted);
        Assert.Equal(1, broker.GetQueueDepth("tests.order-placed::timeout"));
        Assert.Empty(broker.GetDeadLetters("tests.order-placed::timeout"));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task A_handler_that_ignores_cancellation_cannot_hold_shutdown_forever_and_its_event_goes_back()
    {
        var blocking = new Blocking { ObserveCancellation = false };
        var broker = new LocalBroker();
        var host = await TestHost.StartAsync(
            events => events.AddListener<BlockingListener>(l => l.Name("stubborn")).Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100)),
            services => services.AddSingleton(blocking).AddSingleton(new Recorder()),
            broker);

        await host.Events.SendAsync(new OrderPlaced(1, "stubborn"));
        await blocking.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, broker.GetQueueDepth("tests.order-placed::stubborn"));

        // The handler finishing late must not settle the delivery a second time.
        blocking.Release.TrySetResult();
        await blocking.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, broker.GetQueueDepth("tests.order-placed::stubborn"));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task An_event_requeued_by_a_stopped_process_is_redelivered_to_the_next_one()
    {
        var broker = new LocalBroker();
        var first = new Blocking { ObserveCancellation = true };
        var host = await TestHost.StartAsync(
            events => events.AddListener<BlockingListener>(l => l.Name("handover")).Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100)),
            services => services.AddSingleton(first).AddSingleton(new Recorder()),
            broker);
        await host.Events.SendAsync(new OrderPlaced(1, "handover"));
        await first.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await host.DisposeAsync();

        var second = new Blocking();
        second.Release.TrySetResult();
        var recorder = new Recorder();
        await using var next = await TestHost.StartAsync(
            events => events.AddListener<BlockingListener>(l => l.Name("handover")),
            services => services.AddSingleton(second).AddSingleton(recorder),
            broker);
        await recorder.WaitForAsync(1);
        Assert.True(recorder.Seen[0].Context.Redelivered);
        Assert.Equal(1, ((OrderPlaced)recorder.Seen[0].Event).Number);
    }
}
