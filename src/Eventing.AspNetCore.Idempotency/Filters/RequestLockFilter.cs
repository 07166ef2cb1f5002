using Eventing.AspNetCore.Idempotency.Execution;
using Eventing.AspNetCore.Idempotency.Locks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Filters;

/// <summary>The filter of <c>.WithRequestLock(...)</c>: one request per key at a time, 409 when the key stays taken past the wait.</summary>
internal sealed class RequestLockFilter(Func<HttpContext, string?> keySelector, TimeSpan lease, TimeSpan wait) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (keySelector(http) is not { Length: > 0 } key)
        {
            return await next(context).ConfigureAwait(false);
        }

        var locks = http.RequestServices.GetService<RequestLock>() ?? throw new InvalidOperationException(
            "WithRequestLock(...) needs services.AddHttpIdempotency(...) (UseRedis(...) makes the lock hold across processes).");
        var release = await locks.TryAcquireAsync("request:" + key, lease, wait, http.RequestAborted).ConfigureAwait(false);
        if (release is null)
        {
            await ProblemResponses.LockedAsync(http, lease).ConfigureAwait(false);
            return Results.Empty;
        }

        try
        {
            // Executed inside the lock: a result written after the release could interleave with the next holder.
            await IdempotencyEndpointFilter.WriteResultAsync(http, await next(context).ConfigureAwait(false)).ConfigureAwait(false);
            return Results.Empty;
        }
        finally
        {
            await release().ConfigureAwait(false);
        }
    }
}
