using Microsoft.Extensions.Logging;

namespace Eventing.RabbitMq.Diagnostics;

/// <summary>
/// The provider's log events; source-generated so a disabled level costs nothing. Event ids 3000–3099; the table of
/// every package's range is in docs/logging.md.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Endpoint} (exchange {Exchange}, {QueueType} queues)")]
    public static partial void Connected(ILogger logger, string endpoint, string exchange, RabbitMqQueueType queueType);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Lost the connection to RabbitMQ at {Endpoint}: {Reason}. Reconnecting; subscriptions resume by themselves")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Reconnected to RabbitMQ at {Endpoint}; topology and consumers recovered")]
    public static partial void Recovered(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Reconnecting to RabbitMQ at {Endpoint} failed; trying again")]
    public static partial void RecoveryFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Dropped header {Header} of a message on {Queue}: not a valid CloudEvents attribute value")]
    public static partial void HeaderDropped(ILogger logger, string header, string queue);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Consuming {Queue} with prefetch {Prefetch}")]
    public static partial void Consuming(ILogger logger, string queue, int prefetch);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "The broker cancelled the consumer of {Queue} (queue deleted?); declaring the queue again and consuming anew")]
    public static partial void ConsumerCancelledByBroker(ILogger logger, string queue);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "Send of {MessageId} interrupted ({Reason}); retrying once RabbitMQ at {Endpoint} is back")]
    public static partial void SendInterrupted(ILogger logger, string messageId, string reason, string endpoint);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Settling a message of {Queue} failed; the broker redelivers it")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Opened a fresh {Kind} publish channel to RabbitMQ at {Endpoint}; the previous one was lost")]
    public static partial void PublishChannelOpened(ILogger logger, string kind, string endpoint);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "The publishing connection to RabbitMQ at {Endpoint} did not notice that the broker went away (its write queue is stuck); opening a new one")]
    public static partial void PublishConnectionWedged(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "The prefetch {Requested} asked for {Queue} is above the RabbitMq provider's limit; consuming with {Limit} (see RabbitMqProviderOptions.MaxPrefetch)")]
    public static partial void PrefetchCapped(ILogger logger, string queue, int requested, int limit);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Debug, Message = "Declared {Queue}, its dead-letter queue and its binding again, after the broker cancelled its consumer")]
    public static partial void ListenerTopologyDeclared(ILogger logger, string queue);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Restoring the consumer of {Queue} failed (try {Tries}); trying again in {WaitSeconds:0.#} s")]
    public static partial void ConsumerRestoreFailed(ILogger logger, Exception exception, string queue, int tries, double waitSeconds);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Consuming {Queue} again after the broker cancelled its consumer")]
    public static partial void ConsumerRestored(ILogger logger, string queue);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Debug, Message = "Sending {MessageId} to delay queue {DelayQueue}; it goes back to {Queue} when its TTL expires")]
    public static partial void Redelivering(ILogger logger, string messageId, string delayQueue, string queue);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Debug, Message = "Declared delay queue {DelayQueue}: messages wait {DelaySeconds:0.###} s in it, then go back to {Queue}")]
    public static partial void DelayQueueDeclared(ILogger logger, string delayQueue, double delaySeconds, string queue);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Debug, Message = "Scheduling {MessageId} in {DelayMilliseconds} ms through {DelayExchange}")]
    public static partial void Scheduling(ILogger logger, string messageId, long delayMilliseconds, string delayExchange);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Information, Message = "Declared the {Levels} delay levels of scheduled sends, from {FirstLevel} up")]
    public static partial void ScheduleChainDeclared(ILogger logger, int levels, string firstLevel);
}
