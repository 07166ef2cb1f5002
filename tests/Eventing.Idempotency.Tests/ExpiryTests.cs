using StackExchange.Redis;

namespace Eventing.Idempotency.Tests;

public sealed class ExpiryTests
{
    [Theory]
    [MemberData(nameof(TestStore.Sql), MemberType = typeof(TestStore))]
    public async Task Expired_records_are_deleted_by_the_cleanup_and_a_later_duplicate_runs_again(string kind)
    {
        await using var store = await TestStore.CreateAsync(kind);
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            store,
            recorder,
            events => events
                .AddListener<RecordingListener>(listener => listener.Name($"exp-{Guid.NewGuid():N}"[..24]).Idempotent(TimeSpan.FromSeconds(1)))
                .AddListener<AttributedListener>(listener => listener.Name($"keep-{Guid.NewGuid():N}"[..24])),
            options: options => options.CleanupInterval = TimeSpan.FromMilliseconds(200));

        // Two listeners get the event: one remembers it for 1 s, the other (attribute) for an hour.
        var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
        await recorder.WaitForCallsAsync(2);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.purged", 1);

        Assert.Equal(1, await store.RecordCountAsync());

        // Past its window the record is gone, so the same message id runs again on the short-window listener only.
        await host.SendAgainAsync(sent);
        await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);
        await recorder.WaitForCallsAsync(3);
        Assert.Equal(3, recorder.CountFor(sent.Envelope.Id));
    }

    [Fact]
    public async Task Redis_records_carry_the_window_as_expiry_and_disappear_after_it()
    {
        await using var store = await TestStore.CreateAsync("redis");
        var redis = await TestServices.RedisAsync();
        await redis.GetServer(redis.GetEndPoints()[0]).ConfigSetAsync("notify-keyspace-events", "Ex");
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = RedisChannel.Literal("__keyevent@0__:expired");
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(channel, (_, key) =>
        {
            if (((string?)key)?.StartsWith(store.Prefix + "inbox:", StringComparison.Ordinal) == true)
            {
                expired.TrySetResult();
            }
        });
        try
        {
            var recorder = new Recorder();
            await using var host = await TestHost.StartAsync(store, recorder, events => events
                .AddListener<RecordingListener>(listener => listener.Name($"rexp-{Guid.NewGuid():N}"[..24]).Idempotent(TimeSpan.FromSeconds(1))));

            var sent = await host.SendAsync(new OrderPlaced("o-1", 10));
            await recorder.WaitForCallsAsync(1);
            await host.SendAgainAsync(sent);
            await host.Observations.WaitForCounterAsync("eventing.idempotency.skipped", 1);

            var server = redis.GetServer(redis.GetEndPoints()[0]);
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: store.Prefix + "inbox:*"))
            {
                keys.Add(key);
            }

            var record = Assert.Single(keys);
            var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(record);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

            await expired.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await store.RecordCountAsync());

            await host.SendAgainAsync(sent);
            await recorder.WaitForCallsAsync(2);
            Assert.Equal(2, recorder.CountFor(sent.Envelope.Id));
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel);
        }
    }
}
