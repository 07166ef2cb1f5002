using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Client.Diagnostics;

/// <summary>
/// Every log line of the STOMP client, source-generated so a disabled level costs nothing. Event ids 3200–3209,
/// in the STOMP range 3200–3299 it shares with the provider; the table of every package's range is in docs/logging.md.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(3200, LogLevel.Information, "Connected to STOMP broker {Endpoint} ({Server}, STOMP {Version}, heart-beat out {SendHeartBeat} ms / in {ReceiveHeartBeat} ms)")]
    public static partial void Connected(ILogger logger, string endpoint, string server, string version, long sendHeartBeat, long receiveHeartBeat);

    [LoggerMessage(3201, LogLevel.Warning, "Lost the STOMP connection to {Endpoint}; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, Exception? exception, string endpoint);

    [LoggerMessage(3202, LogLevel.Warning, "Reconnect attempt {Attempt} to {Endpoint} failed; next attempt in {Delay}")]
    public static partial void ReconnectFailed(ILogger logger, Exception exception, int attempt, string endpoint, TimeSpan delay);

    [LoggerMessage(3203, LogLevel.Information, "Reconnected to {Endpoint} after {Attempts} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string endpoint, int attempts);

    [LoggerMessage(3204, LogLevel.Warning, "The STOMP broker {Endpoint} sent no heart-beat for {Silence}; closing the connection as dead")]
    public static partial void HeartBeatMissed(ILogger logger, string endpoint, TimeSpan silence);

    [LoggerMessage(3205, LogLevel.Debug, "DISCONNECT from {Endpoint} was not confirmed; closing the socket anyway")]
    public static partial void DisconnectUnconfirmed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(3206, LogLevel.Warning, "Could not connect to the STOMP broker {Endpoint} ({Reason}); trying the next endpoint")]
    public static partial void NodeUnreachable(ILogger logger, string endpoint, string reason);
}
