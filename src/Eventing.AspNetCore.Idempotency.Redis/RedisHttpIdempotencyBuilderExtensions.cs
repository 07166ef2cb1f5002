using Eventing.AspNetCore.Idempotency.Redis;
using Eventing.Persistence.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>Keeps idempotency keys and request locks in Redis.</summary>
public static class RedisHttpIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps idempotency keys and stored responses in Redis (claims with <c>SET NX PX</c>, expiry by Redis) and makes
    /// <c>.WithRequestLock(...)</c> hold across processes.
    /// </summary>
    /// <param name="idempotency">The builder.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</param>
    /// <param name="configure">Changes the key prefix.</param>
    public static HttpIdempotencyBuilder UseRedis(this HttpIdempotencyBuilder idempotency, string configuration, Action<HttpIdempotencyStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return Use(idempotency, () => new RedisConnection(configuration), configure);
    }

    /// <summary>Keeps idempotency keys and request locks in Redis through the app's connection.</summary>
    public static HttpIdempotencyBuilder UseRedis(this HttpIdempotencyBuilder idempotency, IConnectionMultiplexer connection, Action<HttpIdempotencyStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Use(idempotency, () => new RedisConnection(connection), configure);
    }

    private static HttpIdempotencyBuilder Use(HttpIdempotencyBuilder idempotency, Func<RedisConnection> connect, Action<HttpIdempotencyStoreOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        var options = new HttpIdempotencyStoreOptions();
        configure?.Invoke(options);
        ArgumentException.ThrowIfNullOrEmpty(options.KeyPrefix, "HttpIdempotencyStoreOptions.KeyPrefix");

        // A connection of its own: the listener store may use another Redis, and a keyed registration keeps them apart.
        var connection = new Lazy<RedisConnection>(connect);
        idempotency.Services.AddSingleton(new HttpRedisConnection(connection));
        idempotency.UseStore(services => new RedisHttpResponseStore(services.GetRequiredService<HttpRedisConnection>().Connection, options.KeyPrefix));
        return idempotency.UseSharedLock(services => new RedisRequestLock(
            new RedisLock(services.GetRequiredService<HttpRedisConnection>().Connection, options.KeyPrefix)));
    }
}
