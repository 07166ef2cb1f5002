using Eventing.AspNetCore.Idempotency.EntityFrameworkCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Connects a DbContext to HTTP idempotency's invalidation by affected resources.</summary>
public static class IdempotencyDbContextOptionsExtensions
{
    /// <summary>
    /// Records the entities each SaveChanges writes as the current request's affected resources (<c>Order:42</c>):
    /// when a request changes one, the stored responses of other idempotency keys that changed it are invalidated,
    /// and a retry of those keys gets 410 instead of a stale answer. Needs <c>services.AddHttpContextAccessor()</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddHttpContextAccessor();
    /// builder.Services.AddDbContext&lt;OrdersDb&gt;((services, db) =&gt; db.UseNpgsql(connectionString).TrackAffectedResources(services));
    /// </code>
    /// </example>
    public static DbContextOptionsBuilder TrackAffectedResources(this DbContextOptionsBuilder options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var accessor = services.GetService<IHttpContextAccessor>() ?? throw new InvalidOperationException(
            "TrackAffectedResources needs the current request: call services.AddHttpContextAccessor() when configuring services.");
        return options.AddInterceptors(new AffectedResourcesInterceptor(accessor));
    }
}
