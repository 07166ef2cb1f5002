using Microsoft.Extensions.Logging;

namespace Eventing.Outbox.Diagnostics;

/// <summary>Every log line of the outbox, source-generated so a disabled level costs nothing.</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(2000, LogLevel.Warning, "Outbox could not send {Failed} of {Total} event(s) from {Store}; they stay pending for the relay")]
    public static partial void SendFailed(ILogger logger, Exception exception, int failed, int total, string store);

    [LoggerMessage(2001, LogLevel.Warning, "Outbox sent {Count} event(s) but could not delete their rows in {Store}; the relay will send them again with the same message ids")]
    public static partial void DeleteFailed(ILogger logger, Exception exception, int count, string store);

    [LoggerMessage(2010, LogLevel.Information, "Outbox relay started on {Store} (ordered: {Ordered}, batch {BatchSize}, {MaxSendsInFlight} sends in flight)")]
    public static partial void RelayStarted(ILogger logger, string store, bool ordered, int batchSize, int maxSendsInFlight);

    [LoggerMessage(2011, LogLevel.Debug, "Outbox relay sent {Sent} of {Leased} pending event(s) from {Store}")]
    public static partial void Relayed(ILogger logger, int sent, int leased, string store);

    [LoggerMessage(2012, LogLevel.Error, "Outbox relay failed to read or settle a batch in {Store}; retrying in {Delay}")]
    public static partial void RelayFailed(ILogger logger, Exception exception, string store, TimeSpan delay);

    [LoggerMessage(2013, LogLevel.Warning, "Outbox relay could not read the backlog of {Store} for the eventing.outbox.pending and eventing.outbox.oldest_age gauges; they keep the last reading")]
    public static partial void BacklogFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(2020, LogLevel.Information, "Outbox schema of {Store} is ready")]
    public static partial void SchemaReady(ILogger logger, string store);

    [LoggerMessage(2030, LogLevel.Debug, "Atomic procedure attempt {Attempt} lost a conflict ({Conflict}); running it again in {Delay}")]
    public static partial void AtomicRetry(ILogger logger, int attempt, string conflict, TimeSpan delay);

    [LoggerMessage(2040, LogLevel.Debug, "Outbox deleted the scheduled send {MessageId} from {Store} before it was due (it commits with the caller's transaction, if one was given)")]
    public static partial void ScheduledSendCancelled(ILogger logger, string messageId, string store);

    [LoggerMessage(2014, LogLevel.Warning, "Outbox relay could not read the next due time of the scheduled sends in {Store}; it polls at its interval meanwhile")]
    public static partial void NextDueFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(2015, LogLevel.Debug, "Outbox relay waits {Wait} for the next scheduled send in {Store}, due at {DueAt}")]
    public static partial void WaitingForDue(ILogger logger, TimeSpan wait, string store, DateTimeOffset dueAt);
}
