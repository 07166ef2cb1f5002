using Eventing.AspNetCore.Idempotency.Locks;
using Eventing.Persistence.Redis;

namespace Eventing.AspNetCore.Idempotency.Redis;

/// <summary>Makes <c>.WithRequestLock(...)</c> hold across processes: a Redis lock held for the endpoint's lease.</summary>
internal sealed class RedisRequestLock(RedisLock locks) : ISharedRequestLock
{
    public ValueTask<IAsyncDisposable> AcquireAsync(string key, TimeSpan lease, CancellationToken cancellationToken) =>
        locks.AcquireAsync(key, lease, cancellationToken);
}
