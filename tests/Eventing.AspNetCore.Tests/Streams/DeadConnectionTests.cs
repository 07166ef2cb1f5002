using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class DeadConnectionTests
{
    [Fact]
    public async Task WebSocket_whose_peer_stops_answering_pings_is_removed_as_failed()
    {
        var stream = TestStreams.NewName();
        using var metrics = new StreamMetrics(stream);
        await using var server = await TestStreams.StartLocalAsync(stream, options =>
        {
            options.PingInterval = TimeSpan.FromMilliseconds(100);
            options.PingTimeout = TimeSpan.FromMilliseconds(300);
        });
        // A client that never reads never answers a ping (pongs are sent while receiving), as a vanished peer.
        await using var silent = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice, read: false);

        await metrics.WaitAsync(m => m.Sum("eventing.streams.disconnects", "failed") == 1);

        Assert.Equal(0, metrics.Sum("eventing.streams.connections"));
    }

    [Fact]
    public async Task Clients_that_leave_are_removed_and_counted_as_client_closed()
    {
        var stream = TestStreams.NewName();
        using var metrics = new StreamMetrics(stream);
        await using var server = await TestStreams.StartLocalAsync(stream);
        var sse = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice);
        await using var webSocket = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        await metrics.WaitAsync(m => m.Sum("eventing.streams.connections") == 2);

        await sse.DisposeAsync();
        await webSocket.CloseAsync();
        await metrics.WaitAsync(m => m.Sum("eventing.streams.disconnects", "client_closed") == 2);

        Assert.Equal(0, metrics.Sum("eventing.streams.connections"));
    }
}
