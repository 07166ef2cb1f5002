using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Carriers;

/// <summary>
/// The CloudEvents WebSocket protocol binding: subprotocol <c>cloudevents.json</c>, one structured CloudEvent per text
/// message. Pings find dead peers; the server's close reason becomes the close frame.
/// </summary>
internal sealed class WebSocketCarrier : IEventStreamCarrier
{
    /// <summary>The subprotocol of the JSON event format in the CloudEvents WebSocket binding.</summary>
    public const string SubProtocol = "cloudevents.json";

    public string Name => "websocket";

    // A client that offers subprotocols but not ours speaks something else; one that offers none gets JSON anyway.
    public bool CanHandle(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest &&
        (context.WebSockets.WebSocketRequestedProtocols.Count == 0 || context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol));

    public async Task<DisconnectReason> RunAsync(EventStreamConnection connection, CancellationToken cancellationToken)
    {
        var context = connection.HttpContext;
        var options = connection.Options;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = context.WebSockets.WebSocketRequestedProtocols.Count == 0 ? null : SubProtocol,
            KeepAliveInterval = options.PingInterval,
            // Since .NET 9: a ping whose pong does not come back in time aborts the socket, so a vanished peer is found.
            KeepAliveTimeout = options.PingTimeout,
        }).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Aborted);
        // Pongs and the client's close frame are only processed while a receive is pending, so one always is.
        var receiving = ReceiveUntilClosedAsync(socket, stop);
        try
        {
            await foreach (var message in connection.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await socket.SendAsync(message.Utf8Json, WebSocketMessageType.Text, endOfMessage: true, stop.Token).ConfigureAwait(false);
            }

            if (connection.CloseReason is { } reason && socket.State == WebSocketState.Open)
            {
                var (status, description) = reason == DisconnectReason.SlowClient
                    ? (options.SlowClientCloseStatus, "client too slow: its event buffer overflowed")
                    : (WebSocketCloseStatus.EndpointUnavailable, "server stopping");
                await socket.CloseOutputAsync(status, description, connection.Aborted).ConfigureAwait(false);
                // The client answers with its own close frame, which the receive loop reads.
                await receiving.WaitAsync(options.CloseTimeout, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client closed (the receive loop cancelled the sends) or the close timeout passed.
        }
        catch (TimeoutException)
        {
            // The client never answered our close frame; cancelling below aborts the socket.
        }

        if (socket.State == WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(options.CloseTimeout);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        var clientClosed = await receiving.ConfigureAwait(false);
        return connection.CloseReason ?? (clientClosed ? DisconnectReason.ClientClosed : DisconnectReason.Failed);
    }

    /// <summary>Reads (and ignores) what the client sends until its close frame; true only if that frame came.</summary>
    private static async Task<bool> ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // The send loop answers the close frame once it stopped sending: a WebSocket allows one send at a time.
                    await stop.CancelAsync().ConfigureAwait(false);
                    return true;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Without a close frame: either the server is closing (its reason wins) or the connection was torn down
            // under us (a ping timeout aborts the request too), which is a dead peer, not a client that left.
            return false;
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException)
        {
            // Aborted: the ping timed out (an OperationCanceledException whose inner exception says so) or the TCP
            // connection broke. Either way the send loop must stop too.
            await stop.CancelAsync().ConfigureAwait(false);
            return false;
        }
    }
}
