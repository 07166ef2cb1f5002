using Eventing.AspNetCore.Idempotency.Execution;
using Eventing.AspNetCore.Idempotency;
using Eventing.AspNetCore.Idempotency.Hosting;
using Eventing.AspNetCore.Idempotency.Locks;
using Eventing.Idempotency.Locks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds HTTP idempotency keys and request locks.</summary>
public static class HttpIdempotencyServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <c>.WithIdempotency()</c>, <c>[Idempotent]</c> and <c>.WithRequestLock(...)</c> need. Choose a store
    /// inside: <c>UseRedis(...)</c>, <c>UsePostgreSql(...)</c> or <c>UseSqlite(...)</c>, from the store package of that
    /// database (Eventing.AspNetCore.Idempotency.Redis, .PostgreSql, .Sqlite).
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddHttpIdempotency(idempotency =&gt; idempotency
    ///     .UseRedis("127.0.0.1:6379")
    ///     .Configure(o =&gt; o.Window = TimeSpan.FromHours(24)));
    /// app.MapPost("/orders", PlaceOrder).WithIdempotency();
    /// </code>
    /// </example>
    public static IServiceCollection AddHttpIdempotency(this IServiceCollection services, Action<HttpIdempotencyBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new HttpIdempotencyBuilder(services);
        configure(builder);
        if (!builder.HasStore)
        {
            throw new InvalidOperationException(
                "HTTP idempotency has no store. Call UseRedis(...), UsePostgreSql(...) or UseSqlite(...) inside AddHttpIdempotency; " +
                "they come with the store packages Eventing.AspNetCore.Idempotency.Redis, .PostgreSql and .Sqlite.");
        }

        services.AddOptions<HttpIdempotencyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpIdempotencyOptions>, HttpIdempotencyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InFlightRequests>();
        services.TryAddSingleton<IdempotencyExecutor>();
        services.TryAddSingleton<LocalKeyLock>();
        services.TryAddSingleton(provider => new RequestLock(provider.GetRequiredService<LocalKeyLock>(), provider.GetService<ISharedRequestLock>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HttpIdempotencyCleanupService>());
        return services;
    }
}
