using Microsoft.Extensions.Logging;

namespace Eventing.Amqp.Diagnostics;

/// <summary>
/// Every log line of the AMQP provider, source-generated so a disabled level costs nothing. Event ids 3100–3199;
/// the table of every package's range is in docs/logging.md.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "Connected to {Endpoint}")]
    public static partial void Connected(ILogger logger, string endpoint);

    [LoggerMessage(3101, LogLevel.Warning, "Connection to {Endpoint} lost ({Condition}: {Description}); reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string condition, string description);

    [LoggerMessage(3102, LogLevel.Warning, "Could not reconnect to {Endpoint} (attempt {Attempt}); next try in {Delay}")]
    public static partial void ReconnectFailed(ILogger logger, Exception exception, string endpoint, int attempt, TimeSpan delay);

    [LoggerMessage(3103, LogLevel.Information, "Reconnected to {Endpoint} after {Attempt} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string endpoint, int attempt);

    [LoggerMessage(3104, LogLevel.Information, "Disconnected from {Endpoint}")]
    public static partial void Disconnected(ILogger logger, string endpoint);

    [LoggerMessage(3105, LogLevel.Warning, "Could not connect to {Endpoint} ({Reason}); trying the next endpoint")]
    public static partial void NodeUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(3110, LogLevel.Debug, "Receiving from {Address} for {Queue} with credit {Credit}")]
    public static partial void Attached(ILogger logger, string address, string queue, int credit);

    [LoggerMessage(3111, LogLevel.Warning, "Receiver link of {Queue} lost ({Condition}: {Description}); unsettled messages go back to the queue, re-attaching")]
    public static partial void ReceiverLost(ILogger logger, string queue, string condition, string description);

    [LoggerMessage(3112, LogLevel.Warning, "Could not attach the receiver of {Queue} (attempt {Attempt}); next try in {Delay}")]
    public static partial void AttachFailed(ILogger logger, Exception exception, string queue, int attempt, TimeSpan delay);

    [LoggerMessage(3113, LogLevel.Information, "Receiver of {Queue} re-attached")]
    public static partial void Reattached(ILogger logger, string queue);

    [LoggerMessage(3120, LogLevel.Warning, "Dropped attribute {Name} of message {MessageId} from {Queue}: the value breaks the CloudEvents rules or is not a string")]
    public static partial void AttributeDropped(ILogger logger, string name, string messageId, string queue);

    [LoggerMessage(3121, LogLevel.Warning, "Message {MessageId} from {Queue} has a {Section} body instead of one Data section; it is passed on as bytes")]
    public static partial void UnexpectedBody(ILogger logger, string messageId, string queue, string section);

    [LoggerMessage(3130, LogLevel.Debug, "Resending message {MessageId} to {Address}: the link was lost before the broker settled it")]
    public static partial void Resending(ILogger logger, string messageId, string address);

    [LoggerMessage(3131, LogLevel.Warning, "Sender link to {Address} lost ({Condition}: {Description})")]
    public static partial void SenderLost(ILogger logger, string address, string condition, string description);
}
