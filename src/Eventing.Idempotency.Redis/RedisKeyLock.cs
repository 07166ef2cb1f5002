using Eventing.Persistence.Redis;

namespace Eventing.Idempotency.Redis;

/// <summary>The per-key lock of <c>.Sequential(...)</c> across processes: a Redis lock held for <see cref="IdempotencyOptions.LockLease"/>.</summary>
internal sealed class RedisKeyLock(RedisLock locks, Func<TimeSpan> lease) : IKeyLock
{
    public ValueTask<IAsyncDisposable> AcquireAsync(string key, CancellationToken cancellationToken) =>
        locks.AcquireAsync(key, lease(), cancellationToken);
}
