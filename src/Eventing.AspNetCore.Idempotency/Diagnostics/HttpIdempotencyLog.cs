using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Idempotency.Diagnostics;

/// <summary>Every log line of HTTP idempotency, source-generated so a disabled level costs nothing.</summary>
internal static partial class HttpIdempotencyLog
{
    [LoggerMessage(4100, LogLevel.Debug, "Replayed the stored {StatusCode} response of an idempotency key on {Endpoint}")]
    public static partial void Replayed(ILogger logger, int statusCode, string endpoint);

    [LoggerMessage(4101, LogLevel.Debug, "Not storing the {StatusCode} response on {Endpoint}; a retry runs the request again")]
    public static partial void NotStored(ILogger logger, int statusCode, string endpoint);

    [LoggerMessage(4102, LogLevel.Warning, "The idempotency key of a request on {Endpoint} expired while it ran (longer than ClaimLease {Lease}); its response was not stored")]
    public static partial void ClaimLost(ILogger logger, string endpoint, TimeSpan lease);

    [LoggerMessage(4103, LogLevel.Information, "A request on {Endpoint} changed resources of {Count} stored response(s); they are invalidated")]
    public static partial void Invalidated(ILogger logger, string endpoint, long count);

    [LoggerMessage(4104, LogLevel.Warning, "The response on {Endpoint} is larger than MaxStoredBodySize ({Limit} bytes); it was sent but not stored")]
    public static partial void TooLarge(ILogger logger, string endpoint, int limit);

    [LoggerMessage(4105, LogLevel.Debug, "Deleted {Count} expired idempotency key(s)")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(4106, LogLevel.Warning, "Could not delete expired idempotency keys; trying again in {Interval}")]
    public static partial void PurgeFailed(ILogger logger, Exception exception, TimeSpan interval);
}
