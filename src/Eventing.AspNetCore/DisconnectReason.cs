namespace Eventing.AspNetCore;

/// <summary>Why a stream connection ended; the <c>reason</c> tag of the disconnect metric.</summary>
public enum DisconnectReason
{
    /// <summary>The client closed the connection (WebSocket close frame, page left, request aborted).</summary>
    ClientClosed,

    /// <summary>The client read too slowly and <see cref="SlowClientPolicy.Disconnect"/> applies.</summary>
    SlowClient,

    /// <summary>The host is stopping.</summary>
    Shutdown,

    /// <summary>The connection died: a write failed or a WebSocket ping went unanswered.</summary>
    Failed,
}
