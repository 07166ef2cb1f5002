using System.Net.WebSockets;

namespace Eventing.AspNetCore;

/// <summary>
/// Settings of an event stream. <c>streams.Configure(...)</c> sets them for every stream,
/// <c>stream.Configure(...)</c> for one (named options, the stream's name).
/// </summary>
public sealed class EventStreamOptions
{
    /// <summary>Events buffered per connection for a client that reads slower than events arrive. Default 1,024.</summary>
    public int BufferCapacity { get; set; } = 1024;

    /// <summary>What happens when a connection's buffer is full. Default <see cref="SlowClientPolicy.DropOldest"/>.</summary>
    public SlowClientPolicy SlowClientPolicy { get; set; } = SlowClientPolicy.DropOldest;

    /// <summary>
    /// The WebSocket close status sent to a slow client under <see cref="SlowClientPolicy.Disconnect"/>:
    /// <see cref="WebSocketCloseStatus.PolicyViolation"/> (1008) or 1013 (try again later, the default).
    /// </summary>
    public WebSocketCloseStatus SlowClientCloseStatus { get; set; } = TryAgainLater;

    /// <summary>Events kept per stream (in memory) so a reconnecting client can resume after the last one it saw. Default 1,024; 0 turns resume off.</summary>
    public int ReplayCapacity { get; set; } = 1024;

    /// <summary>How often a WebSocket is pinged so dead peers are found. Default 15 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may go unanswered before the WebSocket is dropped as dead. Default 15 s.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a closing handshake (close frame, end of stream) may take before the connection is aborted. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>WebSocket close status 1013, "try again later" (RFC 6455 registry); .NET has no name for it.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;
}
