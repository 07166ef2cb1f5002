using Eventing.AspNetCore.Idempotency.Locks;
using Eventing.AspNetCore.Idempotency.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>
/// Configures HTTP idempotency inside <c>services.AddHttpIdempotency(...)</c>: a store and the options. Store packages
/// (Eventing.AspNetCore.Idempotency.Redis, .PostgreSql, .Sqlite) add the <c>UseXyz(...)</c> methods.
/// </summary>
public sealed class HttpIdempotencyBuilder
{
    internal HttpIdempotencyBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    internal bool HasStore { get; private set; }

    /// <summary>Changes <see cref="HttpIdempotencyOptions"/>.</summary>
    public HttpIdempotencyBuilder Configure(Action<HttpIdempotencyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    internal HttpIdempotencyBuilder UseStore(Func<IServiceProvider, IHttpResponseStore> factory)
    {
        if (HasStore)
        {
            throw new InvalidOperationException("HTTP idempotency already has a store. Call exactly one of UseRedis(...), UsePostgreSql(...) or UseSqlite(...) inside AddHttpIdempotency.");
        }

        HasStore = true;
        Services.AddSingleton(factory);
        return this;
    }

    internal HttpIdempotencyBuilder UseSharedLock(Func<IServiceProvider, ISharedRequestLock> factory)
    {
        Services.AddSingleton(factory);
        return this;
    }
}
