using Eventing.Persistence.Redis;

namespace Eventing.AspNetCore.Idempotency.Redis;

/// <summary>The Redis connection of HTTP idempotency, apart from the one idempotent listeners may register, and closed with the app.</summary>
internal sealed class HttpRedisConnection(Lazy<RedisConnection> connection) : IAsyncDisposable
{
    public RedisConnection Connection => connection.Value;

    public ValueTask DisposeAsync() => connection.IsValueCreated ? connection.Value.DisposeAsync() : ValueTask.CompletedTask;
}
