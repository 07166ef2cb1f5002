using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

public sealed class ConcurrencyTests
{
    public sealed class Gate
    {
        private int _running;
        private int _max;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Saturated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Limit { get; init; }

        public int Max => Volatile.Read(ref _max);

        public int Running => Volatile.Read(ref _running);

        public async Task EnterAsync()
        {
            var running = Interlocked.Increment(ref _running);
            int max;
            while ((max = Volatile.Read(ref _max)) < running && Interlocked.CompareExchange(ref _max, running, max) != max)
            {
            }

            if (running >= Limit)
            {
                Saturated.TrySetResult();
            }

            await Release.Task;
            Interlocked.Decrement(ref _running);
        }
    }

    public sealed class Gated(Gate gate, Recorder recorder) : EventListener<OrderPlaced>
    {
        public override async ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            await gate.EnterAsync();
            recorder.Record("gated", @event, context);
        }
    }

    public sealed class Ordered(Recorder recorder) : EventListener<OrderPlaced>
    {
        public override async ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            // Yield so that a second consumer, if there were one, would get the chance to overtake.
            await Task.Yield();
            recorder.Record("ordered", @event, context);
        }
    }

    [Fact]
    public async Task The_concurrency_limit_is_reached_and_never_exceeded()
    {
        var gate = new Gate { Limit = 3 };
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Gated>(l => l.Name("limited").Concurrency(3)),
            services => services.AddSingleton(gate).AddSingleton(recorder));

        for (var i = 0; i < 12; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "c"));
        }

        await gate.Saturated.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Three handlers are blocked; the fourth message must wait for a slot however long we give it.
        await SettleAsync();
        Assert.Equal(3, gate.Running);
        Assert.InRange(host.Broker.GetQueueDepth("tests.order-placed::limited"), 8, 9);
        gate.Release.TrySetResult();
        await recorder.WaitForAsync(12);
        Assert.Equal(3, gate.Max);
    }

    private static async Task SettleAsync()
    {
        // Give the receive loop every chance to (wrongly) start a fourth handler before counting.
        for (var i = 0; i < 20; i++)
        {
            await Task.Yield();
        }

        await Task.Delay(50);
    }

    [Fact]
    public async Task Order_is_kept_with_concurrency_one()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Ordered>(l => l.Name("ordered")),
            services => services.AddSingleton(recorder));

        const int count = 500;
        for (var i = 0; i < count; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "o"));
        }

        await recorder.WaitForAsync(count);
        Assert.Equal(Enumerable.Range(0, count), recorder.Seen.Select(seen => ((OrderPlaced)seen.Event).Number));
    }

    [Fact]
    public async Task A_full_queue_makes_senders_wait_instead_of_growing_memory()
    {
        var broker = new LocalBroker(queueCapacity: 4);
        var gate = new Gate { Limit = 1 };
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Gated>(l => l.Name("bounded")),
            services => services.AddSingleton(gate).AddSingleton(new Recorder()),
            broker);

        await host.Events.SendAsync(new OrderPlaced(0, "b"));
        await gate.Saturated.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 1; i <= 4; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "b"));
        }

        var blocked = host.Events.SendAsync(new OrderPlaced(5, "b")).AsTask();
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);
        Assert.Equal(4, broker.GetQueueDepth("tests.order-placed::bounded"));

        gate.Release.TrySetResult();
        await blocked.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
