using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>Records which resources a request changed, for invalidation by affected resources.</summary>
public static class AffectedResourceHttpContextExtensions
{
    /// <summary>
    /// Records that this request changed <paramref name="resource"/> (any stable name, e.g. <c>Order:42</c>). When it
    /// succeeds, stored responses of other keys that changed the same resource are invalidated, and this request's
    /// response is linked to it. The EF Core package records changed entities by itself; call this for other writes.
    /// </summary>
    /// <example><code>context.AddAffectedResource($"Order:{order.Id}");</code></example>
    public static void AddAffectedResource(this HttpContext context, string resource)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(resource);
        var resources = context.Features.Get<AffectedResources>();
        if (resources is null)
        {
            resources = new AffectedResources();
            context.Features.Set(resources);
        }

        resources.Add(resource);
    }
}
