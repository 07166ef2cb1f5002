using Eventing.Idempotency.Redis;
using Eventing.Persistence.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Eventing.Idempotency;

/// <summary>Keeps processed-message records and per-key locks in Redis.</summary>
public static class RedisIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps processed-message records in Redis (<c>SET NX</c> with expiry) and makes <c>.Sequential(...)</c> locks
    /// hold across processes.
    /// </summary>
    /// <param name="idempotency">The idempotency builder.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</param>
    /// <param name="configure">Changes key prefix and claim lease.</param>
    public static IdempotencyBuilder UseRedis(this IdempotencyBuilder idempotency, string configuration, Action<RedisIdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = Build(configure);
        options.Configuration = configuration;
        return Use(idempotency, options, () => new RedisConnection(configuration));
    }

    /// <summary>Keeps processed-message records and per-key locks in Redis through the app's connection.</summary>
    public static IdempotencyBuilder UseRedis(this IdempotencyBuilder idempotency, IConnectionMultiplexer connection, Action<RedisIdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        ArgumentNullException.ThrowIfNull(connection);
        return Use(idempotency, Build(configure), () => new RedisConnection(connection));
    }

    private static RedisIdempotencyOptions Build(Action<RedisIdempotencyOptions>? configure)
    {
        var options = new RedisIdempotencyOptions();
        configure?.Invoke(options);
        if (options.ClaimLease < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.ClaimLease,
                "RedisIdempotencyOptions.ClaimLease must be at least 100 ms and longer than the slowest handler (default 1 minute).");
        }

        ArgumentNullException.ThrowIfNull(options.KeyPrefix, "RedisIdempotencyOptions.KeyPrefix");
        return options;
    }

    private static IdempotencyBuilder Use(IdempotencyBuilder idempotency, RedisIdempotencyOptions options, Func<RedisConnection> connect)
    {
        idempotency.Services.AddSingleton(_ => connect());
        idempotency.UseStore(services => new RedisProcessedMessageStore(services.GetRequiredService<RedisConnection>(), options));
        return idempotency.UseLock(services =>
        {
            var settings = services.GetRequiredService<IOptions<IdempotencyOptions>>();
            return new RedisKeyLock(new RedisLock(services.GetRequiredService<RedisConnection>(), options.KeyPrefix), () => settings.Value.LockLease);
        });
    }
}
