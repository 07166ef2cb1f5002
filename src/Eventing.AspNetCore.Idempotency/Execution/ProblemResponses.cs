using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>The problem-details answers (RFC 9457) of idempotency and request locks; each says what to do.</summary>
internal static class ProblemResponses
{
    // A URN, not a URL: the type names the problem for clients to switch on; nothing needs to be served there.
    private const string TypeBase = "urn:eventing:problem:";

    public static Task MissingKeyAsync(HttpContext context, string header) => WriteAsync(context, StatusCodes.Status400BadRequest,
        "Idempotency key missing", $"This endpoint requires the {header} header: send a unique value (e.g. a UUID) and the same value on every retry.", "idempotency-key-missing");

    public static Task InvalidKeyAsync(HttpContext context, string header, int maxLength) => WriteAsync(context, StatusCodes.Status400BadRequest,
        "Idempotency key invalid", $"The {header} header must be one non-empty value of at most {maxLength} characters.", "idempotency-key-invalid");

    public static Task MismatchAsync(HttpContext context, string header) => WriteAsync(context, StatusCodes.Status422UnprocessableEntity,
        "Idempotency key reused", $"This {header} was already used for a different request (method, path or body). Use a new key for a new request.", "idempotency-key-reused");

    public static Task InProgressAsync(HttpContext context, string header, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status409Conflict,
            "Request in progress", $"A request with this {header} is still being processed. Retry after a moment; you will get its answer.", "idempotency-key-in-progress");
    }

    public static Task InvalidatedAsync(HttpContext context, string header) => WriteAsync(context, StatusCodes.Status410Gone,
        "Stored response superseded",
        $"The request with this {header} was processed, but a later request changed what it changed, so its stored answer is no longer valid and it is not run again. " +
        "Read the resource for its current state; to repeat the operation, send it with a new key.", "idempotency-response-superseded");

    public static Task LockedAsync(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status409Conflict,
            "Resource locked", "Another request on the same resource is running. Retry after a moment.", "request-locked");
    }

    private static Task WriteAsync(HttpContext context, int status, string title, string detail, string anchor) =>
        TypedResults.Problem(detail, context.Request.Path, status, title, TypeBase + anchor).ExecuteAsync(context);
}
