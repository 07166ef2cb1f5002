using System.Net.Sockets;
using System.Text;

namespace Eventing.Benchmarks.AspNetCore;

/// <summary>
/// Measures the server's memory per idle stream connection: the clients are bare sockets that send the WebSocket
/// upgrade by hand and then sit idle, so the heap growth is almost all server (Kestrel, the WebSocket, the stream).
/// </summary>
internal static class IdleConnections
{
    public static async Task<double> HeapPerConnectionAsync(Uri uri, int count, Func<int> serverConnections)
    {
        var sockets = new List<Socket>(count);
        var before = Heap();
        try
        {
            var request = Encoding.ASCII.GetBytes(
                $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: cloudevents.json\r\n\r\n");
            var response = new byte[1024];
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(uri.Host, uri.Port);
                await socket.SendAsync(request);
                // The 101 Switching Protocols head fits one read on loopback.
                var read = await socket.ReceiveAsync(response);
                if (!Encoding.ASCII.GetString(response, 0, read).StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("the stream refused the upgrade: " + Encoding.ASCII.GetString(response, 0, read));
                }
            }

            while (serverConnections() < count)
            {
                await Task.Delay(10);
            }

            return (Heap() - before) / (double)count / 1024;
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            while (serverConnections() > 0)
            {
                await Task.Delay(10);
            }
        }
    }

    public static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
