using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Idempotency.Diagnostics;

/// <summary>Every log line of HTTP idempotency, source-generated so a disabled level costs nothing.</summary>
internal static partial class HttpIdempotencyLog
{
    [LoggerMessage(2300, LogLevel.Debug, "Replayed the stored {StatusCode} response of an idempotency key on {Endpoint}")]
    public static partial void Replayed(ILogger logger, int statusCode, string endpoint);

    [LoggerMessage(2301, LogLevel.Debug, "Not storing the {StatusCode} response on {Endpoint}; a retry runs the request again")]
    public static partial void NotStored(ILogger logger, int statusCode, string endpoint);

    [LoggerMessage(2302, LogLevel.Warning, "The idempotency key of a request on {Endpoint} expired while it ran (longer than ClaimLease {Lease}); its response was not stored")]
    public static partial void ClaimLost(ILogger logger, string endpoint, TimeSpan lease);

    [LoggerMessage(2303, LogLevel.Information, "A request on {Endpoint} changed resources of {Count} stored response(s); they are invalidated")]
    public static partial void Invalidated(ILogger logger, string endpoint, long count);

    [LoggerMessage(2304, LogLevel.Warning, "The response on {Endpoint} is larger than MaxStoredBodySize ({Limit} bytes); it was sent but not stored")]
    public static partial void TooLarge(ILogger logger, string endpoint, int limit);

    [LoggerMessage(2305, LogLevel.Debug, "Deleted {Count} expired idempotency key(s)")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(2306, LogLevel.Warning, "Could not delete expired idempotency keys; trying again in {Interval}")]
    public static partial void PurgeFailed(ILogger logger, Exception exception, TimeSpan interval);
}
