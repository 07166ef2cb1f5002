using System.Net;
using System.Net.WebSockets;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>A real <see cref="ClientWebSocket"/> speaking the CloudEvents WebSocket binding (subprotocol cloudevents.json).</summary>
internal sealed class WebSocketClient : StreamClient
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    private WebSocketClient(ClientWebSocket socket) => _socket = socket;

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? SubProtocol => _socket.SubProtocol;

    /// <param name="read">False: connect but read nothing until <see cref="StartReading"/> (a stalled client).</param>
    public static async Task<WebSocketClient> ConnectAsync(Uri uri, string? user, bool read = true)
    {
        var socket = CreateSocket(user);
        await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        var client = new WebSocketClient(socket);
        client._loop = client.ReceiveLoopAsync();
        if (read)
        {
            client.StartReading();
        }

        return client;
    }

    /// <summary>The status code the server answered a refused upgrade with.</summary>
    public static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri, string? user, string subProtocol = "cloudevents.json")
    {
        using var socket = CreateSocket(user, subProtocol);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout));
        return socket.HttpStatusCode;
    }

    public void StartReading() => _reading.TrySetResult();

    private static ClientWebSocket CreateSocket(string? user, string subProtocol = "cloudevents.json")
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(subProtocol);
        socket.Options.CollectHttpResponseDetails = true;
        if (user is not null)
        {
            socket.Options.SetRequestHeader(TestUsers.Header, user);
        }

        return socket;
    }

    public async Task CloseAsync()
    {
        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(Timeout);
        await Ended.WaitAsync(Timeout);
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            await _reading.Task.WaitAsync(_stop.Token);
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    // Answer the close frame, as browsers do; the server otherwise waits out its CloseTimeout.
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    End($"close frame {(int?)result.CloseStatus}");
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                    Received(ReceivedEvent.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)));
                    message.SetLength(0);
                }
            }
        }
        catch (OperationCanceledException)
        {
            End("disposed");
        }
        catch (WebSocketException exception)
        {
            End("broken: " + exception.WebSocketErrorCode);
        }
    }
}
