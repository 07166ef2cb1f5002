using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Diagnostics;

/// <summary>Every log line of the STOMP provider, source-generated so a disabled level costs nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Connected to STOMP broker {Endpoint} ({Server}, STOMP {Version}, heart-beat out {SendHeartBeat} ms / in {ReceiveHeartBeat} ms)")]
    public static partial void Connected(ILogger logger, string endpoint, string server, string version, long sendHeartBeat, long receiveHeartBeat);

    [LoggerMessage(3001, LogLevel.Warning, "Lost the STOMP connection to {Endpoint}; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, Exception? exception, string endpoint);

    [LoggerMessage(3002, LogLevel.Warning, "Reconnect attempt {Attempt} to {Endpoint} failed; next attempt in {Delay}")]
    public static partial void ReconnectFailed(ILogger logger, Exception exception, int attempt, string endpoint, TimeSpan delay);

    [LoggerMessage(3003, LogLevel.Information, "Reconnected to {Endpoint} after {Attempts} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string endpoint, int attempts);

    [LoggerMessage(3004, LogLevel.Warning, "The STOMP broker {Endpoint} sent no heart-beat for {Silence}; closing the connection as dead")]
    public static partial void HeartBeatMissed(ILogger logger, string endpoint, TimeSpan silence);

    [LoggerMessage(3005, LogLevel.Debug, "DISCONNECT from {Endpoint} was not confirmed; closing the socket anyway")]
    public static partial void DisconnectUnconfirmed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(3006, LogLevel.Warning, "Could not connect to the STOMP broker {Endpoint} ({Reason}); trying the next endpoint")]
    public static partial void NodeUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(3010, LogLevel.Warning, "Dropped undecodable header(s) {Headers} (binary, invalid UTF-8 or NUL) of message {MessageId} on {Destination}; the message is still delivered")]
    public static partial void HeadersDropped(ILogger logger, string headers, string messageId, string destination);

    [LoggerMessage(3011, LogLevel.Warning, "Dropped header {Header} of message {MessageId} on {Destination}: its value is not a valid CloudEvents attribute")]
    public static partial void AttributeDropped(ILogger logger, string header, string messageId, string destination);

    [LoggerMessage(3012, LogLevel.Warning, "A MESSAGE for unknown subscription {Subscription} on {Endpoint} was ignored")]
    public static partial void UnknownSubscription(ILogger logger, string subscription, string endpoint);

    [LoggerMessage(3020, LogLevel.Information, "STOMP topology {Topology} for {Endpoint} (server {Server})")]
    public static partial void TopologyChosen(ILogger logger, string topology, string endpoint, string server);

    [LoggerMessage(3021, LogLevel.Warning, "Resubscribing {Queue} on {Endpoint} failed")]
    public static partial void ResubscribeFailed(ILogger logger, Exception exception, string queue, string endpoint);
}
