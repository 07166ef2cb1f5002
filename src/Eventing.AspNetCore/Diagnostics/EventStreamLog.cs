using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Diagnostics;

/// <summary>Source-generated log messages of the event streams (ids 4000-4099).</summary>
internal static partial class EventStreamLog
{
    [LoggerMessage(2200, LogLevel.Information, "Event stream {Stream} listens to {EventCount} event type(s) as per-process listener {Listener}")]
    public static partial void Subscribed(ILogger logger, string stream, int eventCount, string listener);

    [LoggerMessage(2201, LogLevel.Debug, "Client {ConnectionId} connected to event stream {Stream} over {Carrier}")]
    public static partial void Connected(ILogger logger, string connectionId, string stream, string carrier);

    [LoggerMessage(2202, LogLevel.Debug, "Client {ConnectionId} left event stream {Stream} ({Reason})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string stream, string reason);

    [LoggerMessage(2203, LogLevel.Warning, "Client {ConnectionId} of event stream {Stream} reads too slowly: its buffer of {Capacity} events is full, disconnecting it")]
    public static partial void SlowClient(ILogger logger, string connectionId, string stream, int capacity);

    [LoggerMessage(2204, LogLevel.Warning, "Client {ConnectionId} of event stream {Stream} failed")]
    public static partial void Failed(ILogger logger, Exception exception, string connectionId, string stream);

    [LoggerMessage(2205, LogLevel.Error, "A ForUser filter of event stream {Stream} threw on event {EventId}; the event is withheld from that client")]
    public static partial void FilterFailed(ILogger logger, Exception exception, string stream, string eventId);

    [LoggerMessage(2206, LogLevel.Information, "Closing {Count} event stream connection(s): the host is stopping")]
    public static partial void ClosingAll(ILogger logger, int count);
}
