using Eventing.AspNetCore.Idempotency.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>What a handler of an idempotent request can ask and tell.</summary>
public static class IdempotencyHttpContextExtensions
{
    /// <summary>
    /// The request's idempotency key, or <see langword="null"/>. Key the handler's own write by it (a unique column)
    /// and a rerun after a crash between the commit and the stored response finds its first result instead of
    /// repeating it.
    /// </summary>
    public static string? GetIdempotencyKey(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.RequestServices.GetService<IOptions<HttpIdempotencyOptions>>()?.Value.HeaderName ?? "Idempotency-Key";
        var values = context.Request.Headers[header];
        return values.Count == 1 ? values[0] : null;
    }

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
