using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

public sealed class ResumeTests
{
    [Fact]
    public async Task Sse_client_reconnecting_with_Last_Event_ID_gets_the_events_it_missed_then_live_ones_without_a_gap()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var witness = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        string lastSeen;
        await using (var first = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice))
        {
            await SendAsync(server, 1, 2);
            lastSeen = (await first.ReadUntilAsync(e => e.Seq == 2))[^1].SseId!;
        }

        await SendAsync(server, 3, 4, 5);
        await witness.ReadUntilAsync(e => e.Seq == 5);
        await using var resumed = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice, lastEventId: lastSeen);
        await SendAsync(server, 6);

        Assert.Equal([3, 4, 5, 6], (await resumed.ReadUntilAsync(e => e.IsGap || e.Seq == 6)).Select(e => e.IsGap ? -1 : e.Seq));
    }

    [Fact]
    public async Task WebSocket_client_resuming_with_query_after_gets_only_the_missed_events_its_user_may_see()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream);
        await using var witness = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Bob);
        string lastSeen;
        await using (var first = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice))
        {
            await server.Events.SendAsync(new TestOrder("r", "acme", 1));
            lastSeen = (await first.NextAsync()).Id;
        }

        await server.Events.SendAsync(new TestOrder("r", "acme", 2));
        await server.Events.SendAsync(new TestOrder("r", "globex", 3));
        await server.Events.SendAsync(new TestOrder("r", "acme", 4));
        await server.Events.SendAsync(new TestOrder("r", "globex", 5));
        await witness.ReadUntilAsync(e => e.Seq == 5);
        await using var resumed = await WebSocketClient.ConnectAsync(server.WebSocket($"/events/{stream}?after={lastSeen}"), TestStreams.Alice);
        await server.Events.SendAsync(new TestOrder("r", "acme", 6));

        Assert.Equal([2, 4, 6], (await resumed.ReadUntilAsync(e => e.IsGap || e.Seq == 6)).Select(e => e.IsGap ? -1 : e.Seq));
    }

    [Fact]
    public async Task Resuming_after_an_id_the_ring_no_longer_holds_starts_with_a_gap_event_then_live_events()
    {
        var stream = TestStreams.NewName();
        await using var server = await TestStreams.StartLocalAsync(stream, options => options.ReplayCapacity = 2);
        await using var witness = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice);
        await SendAsync(server, 1, 2, 3, 4);
        var oldest = (await witness.ReadUntilAsync(e => e.Seq == 4))[0].Id;

        await using var resumed = await SseClient.ConnectAsync(server.Http("/events/" + stream), TestStreams.Alice, lastEventId: oldest);
        await SendAsync(server, 5);
        var gap = await resumed.NextAsync();
        var live = await resumed.NextAsync();

        Assert.Equal("eventing.gap", gap.Type);
        Assert.Equal("eventing.gap", gap.SseType);
        Assert.Equal("resume", gap.Data.GetProperty("reason").GetString());
        Assert.Equal(oldest, gap.Data.GetProperty("after").GetString());
        Assert.Equal(5, live.Seq);
    }

    private static async Task SendAsync(StreamServer server, params int[] seqs)
    {
        foreach (var seq in seqs)
        {
            await server.Events.SendAsync(new TestOrder("r", "acme", seq));
        }
    }
}
