using Microsoft.Extensions.Logging;

namespace Eventing.Idempotency.Diagnostics;

/// <summary>Every log line of idempotency, source-generated so a disabled level costs nothing.</summary>
internal static partial class IdempotencyLog
{
    [LoggerMessage(2100, LogLevel.Information, "Message {MessageId} was already processed by {Queue}; acknowledged without calling the handler")]
    public static partial void Skipped(ILogger logger, string messageId, string queue);

    [LoggerMessage(2101, LogLevel.Debug, "Deleted {Count} expired processed-message record(s)")]
    public static partial void Purged(ILogger logger, long count);

    [LoggerMessage(2102, LogLevel.Warning, "Could not delete expired processed-message records; trying again in {Interval}")]
    public static partial void PurgeFailed(ILogger logger, Exception exception, TimeSpan interval);
}
