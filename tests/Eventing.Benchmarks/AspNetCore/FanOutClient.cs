using System.Buffers.Text;
using System.Net.WebSockets;

namespace Eventing.Benchmarks.AspNetCore;

/// <summary>One benchmark client: a <see cref="ClientWebSocket"/> that records, per message, the time since SendAsync.</summary>
internal sealed class FanOutClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public static async Task<FanOutClient> ConnectAsync(Uri uri, Func<LatencyHistogram> histogram, Action delivered)
    {
        var client = new FanOutClient();
        client._socket.Options.AddSubProtocol("cloudevents.json");
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        client._loop = client.ReceiveAsync(histogram, delivered);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReceiveAsync(Func<LatencyHistogram> histogram, Action delivered)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                // The timestamp is found in the raw bytes: parsing each CloudEvent would load the shared 2 cores with
                // client work and blur the server's figures.
                var json = buffer.AsSpan(0, result.Count);
                var at = json.IndexOf("\"sentAt\":"u8);
                if (at >= 0 && Utf8Parser.TryParse(json[(at + 9)..], out long sentAt, out _))
                {
                    histogram().Record(sentAt);
                    delivered();
                }
            }
        }
        catch (WebSocketException)
        {
            // The server went away at the end of the run.
        }
    }
}
