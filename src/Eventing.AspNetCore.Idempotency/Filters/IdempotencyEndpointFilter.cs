using Eventing.AspNetCore.Idempotency.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency.Filters;

/// <summary>
/// The minimal-API filter of <c>.WithIdempotency(...)</c>. The handler's result is executed here, inside the
/// capture, so its bytes can be stored; the endpoint then gets an empty result that writes nothing more.
/// </summary>
internal sealed class IdempotencyEndpointFilter(IdempotentEndpoint endpoint) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var executor = http.RequestServices.GetService<IdempotencyExecutor>() ?? throw new InvalidOperationException(
            "WithIdempotency() needs services.AddHttpIdempotency(idempotency => idempotency.UseRedis(...), UsePostgreSql(...) or UseSqlite(...)).");
        await executor.ExecuteAsync(http, endpoint, async current =>
        {
            await WriteResultAsync(current, await next(context).ConfigureAwait(false)).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary>Writes a handler's return value as minimal APIs would: an <see cref="IResult"/> executes, a string is text, anything else JSON.</summary>
    internal static Task WriteResultAsync(HttpContext context, object? result) => result switch
    {
        null => Task.CompletedTask,
        IResult executable => executable.ExecuteAsync(context),
        string text => Results.Text(text).ExecuteAsync(context),
        _ => Results.Json(result).ExecuteAsync(context),
    };
}
