using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Idempotency;

/// <summary>Configures idempotency inside <c>events.AddIdempotency(...)</c>; store packages add <c>UseXyz(...)</c> methods.</summary>
public sealed class IdempotencyBuilder
{
    internal IdempotencyBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection, for store packages that register their own services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Changes <see cref="IdempotencyOptions"/>.</summary>
    public IdempotencyBuilder Configure(Action<IdempotencyOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Uses a processed-message store; store packages call this from their <c>UseXyz(...)</c> method.</summary>
    public IdempotencyBuilder UseStore(Func<IServiceProvider, IProcessedMessageStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (Services.Any(service => service.ServiceType == typeof(IProcessedMessageStore)))
        {
            throw new InvalidOperationException("Idempotency already has a store. Call exactly one of UseRedis(...), UseSqlite(...) or UsePostgreSql(...).");
        }

        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Extends per-key locks across processes; store packages that can (Redis) call this.</summary>
    public IdempotencyBuilder UseLock(Func<IServiceProvider, IKeyLock> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(factory);
        return this;
    }
}
