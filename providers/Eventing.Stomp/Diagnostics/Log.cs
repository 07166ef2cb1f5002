using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Diagnostics;

/// <summary>
/// Every log line of the STOMP provider, source-generated so a disabled level costs nothing. Event ids 3210–3299
/// (its client logs 3200–3209); the table of every package's range is in docs/logging.md.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3210, LogLevel.Warning, "Dropped undecodable header(s) {Headers} (binary, invalid UTF-8 or NUL) of message {MessageId} on {Destination}; the message is still delivered")]
    public static partial void HeadersDropped(ILogger logger, string headers, string messageId, string destination);

    [LoggerMessage(3211, LogLevel.Warning, "Dropped header {Header} of message {MessageId} on {Destination}: its value is not a valid CloudEvents attribute")]
    public static partial void AttributeDropped(ILogger logger, string header, string messageId, string destination);

    [LoggerMessage(3220, LogLevel.Information, "STOMP topology {Topology} for {Endpoint} (server {Server})")]
    public static partial void TopologyChosen(ILogger logger, string topology, string endpoint, string server);

    [LoggerMessage(3230, LogLevel.Warning, "The subscription of {Queue} to {Destination} ended ({Reason}); the listener receives nothing until it is re-subscribed")]
    public static partial void SubscriptionLost(ILogger logger, string queue, string destination, string reason);

    [LoggerMessage(3231, LogLevel.Information, "The subscription of {Queue} to {Destination} is restored")]
    public static partial void SubscriptionRestored(ILogger logger, string queue, string destination);
}
