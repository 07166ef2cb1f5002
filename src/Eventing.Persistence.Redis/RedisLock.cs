using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Eventing.Persistence.Redis;

/// <summary>
/// A per-key lock shared by processes: <c>SET lock token NX PX lease</c> takes it; a script deletes it if still ours
/// and publishes the key, which wakes the waiters of every process at once instead of making them poll.
/// </summary>
internal sealed class RedisLock(RedisConnection connection, string keyPrefix)
{
    // Waiters also retry this often, for a lock that expired because its holder died (no release is published then).
    private static readonly TimeSpan FallbackRetry = TimeSpan.FromMilliseconds(250);

    private const string ReleaseScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]); redis.call('publish', ARGV[2], KEYS[1]); return 1 end return 0";

    private readonly string _prefix = keyPrefix + "lock:";
    private readonly RedisChannel _released = RedisChannel.Literal(keyPrefix + "lock-released");
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Task? _subscription;

    /// <summary>Waits until <paramref name="key"/> is free and takes it for at most <paramref name="lease"/>.</summary>
    public async ValueTask<IAsyncDisposable> AcquireAsync(string key, TimeSpan lease, CancellationToken cancellationToken)
    {
        var multiplexer = await connection.GetAsync().ConfigureAwait(false);
        var database = multiplexer.GetDatabase();
        var redisKey = string.Concat(_prefix, key);
        RedisValue token = Guid.NewGuid().ToString("N");
        if (await database.StringSetAsync(redisKey, token, lease, When.NotExists).ConfigureAwait(false))
        {
            return new Handle(database, redisKey, token, _released);
        }

        await SubscribeAsync(multiplexer).ConfigureAwait(false);
        while (true)
        {
            // Registered before trying, so a release between the try and the wait still wakes us.
            var signal = _waiters.GetOrAdd(redisKey, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (await database.StringSetAsync(redisKey, token, lease, When.NotExists).ConfigureAwait(false))
            {
                return new Handle(database, redisKey, token, _released);
            }

            try
            {
                await signal.Task.WaitAsync(FallbackRetry, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _waiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(redisKey, signal));
            }
        }
    }

    private Task SubscribeAsync(IConnectionMultiplexer multiplexer)
    {
        lock (_gate)
        {
            if (_subscription is null || _subscription.IsFaulted || _subscription.IsCanceled)
            {
                _subscription = multiplexer.GetSubscriber().SubscribeAsync(_released, (_, message) =>
                {
                    if (_waiters.TryRemove((string)message!, out var signal))
                    {
                        signal.TrySetResult();
                    }
                });
            }

            return _subscription;
        }
    }

    private sealed class Handle(IDatabase database, RedisKey key, RedisValue token, RedisChannel released) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await database.ScriptEvaluateAsync(ReleaseScript, [key], [token, released.ToString()]).ConfigureAwait(false);
    }
}
