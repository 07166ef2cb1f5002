using System.Diagnostics;
using System.Net.WebSockets;
using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_the_host_sends_websockets_a_going_away_close_frame_and_ends_sse_streams_without_waiting_out_the_shutdown_timeout()
    {
        var stream = TestStreams.NewName();
        using var metrics = new StreamMetrics(stream);
        var server = await TestStreams.StartLocalAsync(stream);
        await using var webSocket = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        await using var sse = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice);
        await server.Events.SendAsync(new TestOrder("r", "acme", 1));
        await webSocket.NextAsync();
        await sse.NextAsync();

        var clock = Stopwatch.StartNew();
        await server.DisposeAsync().AsTask().WaitAsync(StreamClient.Timeout);
        clock.Stop();
        await webSocket.Ended.WaitAsync(StreamClient.Timeout);
        await sse.Ended.WaitAsync(StreamClient.Timeout);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, webSocket.CloseStatus);
        Assert.Equal("end of stream", sse.EndReason);
        Assert.Equal(2, metrics.Sum("eventing.streams.disconnects", "shutdown"));
        // Kestrel would wait 30 s (the host's shutdown timeout) for requests that never end by themselves, and a close
        // handshake nobody answered would take the 5 s CloseTimeout: well below both, the clients were closed cleanly.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the host took {clock.Elapsed} to stop");
    }
}
