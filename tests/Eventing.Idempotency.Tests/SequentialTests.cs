using System.Collections.Concurrent;
using Eventing.Local;

namespace Eventing.Idempotency.Tests;

public sealed class SequentialTests
{
    [Fact]
    public async Task Redis_lock_across_two_processes_never_overlaps_one_key_and_lets_different_keys_overlap()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var broker = new LocalBroker();
        var recorder = new Recorder();
        var name = $"seq-{Guid.NewGuid():N}"[..24];
        var inFlight = new ConcurrentDictionary<string, int>();
        var overlapsOfOneKey = 0;
        var started = new ConcurrentDictionary<string, TaskCompletionSource>();
        started["A"] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        started["B"] = new(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.Behavior = async (e, _, ct) =>
        {
            if (inFlight.AddOrUpdate(e.OrderId, 1, (_, n) => n + 1) > 1)
            {
                Interlocked.Increment(ref overlapsOfOneKey);
            }

            try
            {
                started[e.OrderId].TrySetResult();

                // Each key's handler waits until the other key's has started: if keys were serialized together,
                // this times out and the test fails.
                await started[e.OrderId == "A" ? "B" : "A"].Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

                // Long enough that, without the lock, the competing consumers would run one key's events together.
                await Task.Delay(15, ct);
            }
            finally
            {
                inFlight.AddOrUpdate(e.OrderId, 0, (_, n) => n - 1);
            }
        };

        void Configure(EventingBuilder events) => events
            .AddListener<RecordingListener>(listener => listener.Name(name).Concurrency(4).Sequential<OrderPlaced>(e => e.OrderId));

        await using var first = await TestHost.StartAsync(store, recorder, Configure, broker);
        await using var second = await TestHost.StartAsync(store, recorder, Configure, broker);

        const int perKey = 8;
        for (var i = 0; i < perKey; i++)
        {
            await first.SendAsync(new OrderPlaced("A", i));
            await second.SendAsync(new OrderPlaced("B", i));
        }

        await recorder.WaitForCallsAsync(2 * perKey, TimeSpan.FromSeconds(30));

        var calls = recorder.Calls.ToArray();
        Assert.All(calls, call => Assert.True(call.Succeeded));
        Assert.Equal(0, overlapsOfOneKey);
        foreach (var key in new[] { "A", "B" })
        {
            var ordered = calls.Where(call => call.Key == key).OrderBy(call => call.Start).ToArray();
            Assert.Equal(perKey, ordered.Length);
            for (var i = 1; i < ordered.Length; i++)
            {
                Assert.True(ordered[i].Start >= ordered[i - 1].End, $"two {key} events overlapped: {ordered[i - 1]} and {ordered[i]}");
            }
        }

        var a = calls.Where(call => call.Key == "A").ToArray();
        var b = calls.Where(call => call.Key == "B").ToArray();
        Assert.Contains(a, x => b.Any(y => x.Start < y.End && y.Start < x.End));
    }

    [Fact]
    public async Task Both_processes_take_events_so_the_lock_is_what_keeps_one_key_apart()
    {
        // Guards the test above: with competing consumers both hosts must really be handling events.
        await using var store = await TestStore.CreateAsync("redis");
        var broker = new LocalBroker();
        var name = $"seq2-{Guid.NewGuid():N}"[..24];
        var firstRecorder = new Recorder { Behavior = (_, _, ct) => new ValueTask(Task.Delay(5, ct)) };
        var secondRecorder = new Recorder { Behavior = (_, _, ct) => new ValueTask(Task.Delay(5, ct)) };

        void Configure(EventingBuilder events) => events
            .AddListener<RecordingListener>(listener => listener.Name(name).Concurrency(2).Sequential<OrderPlaced>(e => e.OrderId));

        await using var first = await TestHost.StartAsync(store, firstRecorder, Configure, broker);
        await using var second = await TestHost.StartAsync(store, secondRecorder, Configure, broker);
        for (var i = 0; i < 20; i++)
        {
            await first.SendAsync(new OrderPlaced("K" + (i % 4), i));
        }

        var both = Task.WhenAll(firstRecorder.WaitForCallsAsync(1), secondRecorder.WaitForCallsAsync(1));
        await both;
        Assert.NotEmpty(firstRecorder.Calls);
        Assert.NotEmpty(secondRecorder.Calls);
    }
}
