using Eventing.AspNetCore.Idempotency.Execution;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Filters;

/// <summary>
/// The MVC filter of <see cref="IdempotentAttribute"/>: a resource filter, so it wraps model binding, the action and
/// the result, and sees the bytes the result writes.
/// </summary>
internal sealed class IdempotencyResourceFilter(IdempotentEndpoint endpoint) : IAsyncResourceFilter
{
    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var executor = context.HttpContext.RequestServices.GetService<IdempotencyExecutor>() ?? throw new InvalidOperationException(
            "[Idempotent] needs services.AddHttpIdempotency(idempotency => idempotency.UseRedis(...), UsePostgreSql(...) or UseSqlite(...)).");
        var ran = false;
        await executor.ExecuteAsync(context.HttpContext, endpoint, async _ =>
        {
            ran = true;
            var executed = await next().ConfigureAwait(false);

            // An exception MVC still has to rethrow is a failed request: not stored, so its retry runs again.
            return executed.Exception is null || executed.ExceptionHandled;
        }).ConfigureAwait(false);

        if (!ran)
        {
            // Answered from the store (or with a problem): the response is written; keep MVC from running the action.
            context.Result = new EmptyResult();
        }
    }
}
