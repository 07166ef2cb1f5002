using Microsoft.Extensions.Logging;

namespace Eventing.Diagnostics;

/// <summary>
/// Every log line of the core, source-generated so a disabled level costs nothing. Event ids 1000–1099; the
/// table of every package's range is in docs/logging.md.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Eventing started on {Provider} with {ListenerCount} listener(s)")]
    public static partial void Started(ILogger logger, string provider, int listenerCount);

    [LoggerMessage(1001, LogLevel.Information, "Eventing stopped on {Provider}")]
    public static partial void Stopped(ILogger logger, string provider);

    [LoggerMessage(1010, LogLevel.Debug, "Listening on {Queue} (concurrency {Concurrency})")]
    public static partial void Subscribed(ILogger logger, string queue, int concurrency);

    [LoggerMessage(1012, LogLevel.Debug, "Declared {Queue} without a listener")]
    public static partial void Provisioned(ILogger logger, string queue);

    [LoggerMessage(1011, LogLevel.Debug, "Stopped listening on {Queue}")]
    public static partial void Unsubscribed(ILogger logger, string queue);

    [LoggerMessage(1020, LogLevel.Warning, "Listener {Queue} failed on attempt {Attempt} of {MaxAttempts} for message {MessageId}; retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, Exception exception, string queue, int attempt, int maxAttempts, string messageId, TimeSpan delay);

    [LoggerMessage(1021, LogLevel.Error, "Message {MessageId} dead-lettered from {Queue} ({Reason}): {Problem}")]
    public static partial void DeadLettered(ILogger logger, Exception? exception, string messageId, string queue, string reason, string problem);

    [LoggerMessage(1022, LogLevel.Error, "Could not settle message {MessageId} on {Queue}; the broker will deliver it again")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(1026, LogLevel.Error, "Could not dead-letter message {MessageId} from {Queue} (failure {Failures} in a row); it goes back to the queue in {Delay}")]
    public static partial void DeadLetterFailed(ILogger logger, Exception exception, string messageId, string queue, int failures, TimeSpan delay);

    [LoggerMessage(1027, LogLevel.Warning, "Message {MessageId} on {Queue} failed its immediate attempts; delayed retry {Retry} of {Retries} in {Delay}")]
    public static partial void DelayedRetry(ILogger logger, Exception? exception, string messageId, string queue, int retry, int retries, TimeSpan delay);

    [LoggerMessage(1028, LogLevel.Error, "Could not hand message {MessageId} from {Queue} back to the broker for a delayed retry (failure {Failures} in a row); it goes back to the queue in {Delay}")]
    public static partial void DelayedRetryFailed(ILogger logger, Exception exception, string messageId, string queue, int failures, TimeSpan delay);

    [LoggerMessage(1023, LogLevel.Warning, "Listener {Queue} was cancelled while handling message {MessageId}; it goes back to the queue")]
    public static partial void Requeued(ILogger logger, string queue, string messageId);

    [LoggerMessage(1025, LogLevel.Warning, "Stopping {Queue}: a handler ignored cancellation; message {MessageId} goes back to the queue and the handler's outcome will be ignored")]
    public static partial void Abandoned(ILogger logger, string queue, string messageId);

    [LoggerMessage(1024, LogLevel.Warning, "Stopping {Queue}: {InFlight} handler(s) still running after {Timeout}; cancelling them")]
    public static partial void ShutdownTimedOut(ILogger logger, string queue, int inFlight, TimeSpan timeout);
}
