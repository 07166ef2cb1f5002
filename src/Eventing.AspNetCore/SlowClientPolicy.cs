namespace Eventing.AspNetCore;

/// <summary>What a stream does when a connection's buffer is full because its client reads too slowly.</summary>
public enum SlowClientPolicy
{
    /// <summary>
    /// Drops the oldest buffered event and tells the client how many it missed with an
    /// <c>eventing.gap</c> control event before the next one it gets. The default.
    /// </summary>
    DropOldest,

    /// <summary>Closes the connection (WebSocket close code <see cref="EventStreamOptions.SlowClientCloseStatus"/>; SSE: end of stream).</summary>
    Disconnect,
}
