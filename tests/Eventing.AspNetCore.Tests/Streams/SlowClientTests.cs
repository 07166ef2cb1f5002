using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

/// <summary>
/// A client that never reads fills the TCP buffers, then its own event buffer. The fast client is sent each event
/// only after it got the previous one, so it proves, event by event, that the stalled one holds nobody up.
/// </summary>
public sealed class SlowClientTests
{
    // 16 KB events fill the loopback TCP buffers (a few MB) after a few hundred events; the cap bounds the loop.
    private static readonly string Padding = new('x', 16 * 1024);
    private const int MaxEvents = 5_000;
    private const int AfterOverflow = 40;

    [Fact]
    public async Task Stalled_client_loses_its_oldest_events_with_a_counted_gap_notice_while_the_others_get_every_event()
    {
        var stream = TestStreams.NewName();
        using var metrics = new StreamMetrics(stream);
        await using var server = await TestStreams.StartLocalAsync(stream, options => options.BufferCapacity = 16);
        await using var fast = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        await using var stalled = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice, read: false);

        var sent = await SendInLockstepAsync(server, fast, () => metrics.Sum("eventing.streams.dropped") > 0);
        stalled.StartReading();
        var got = await stalled.ReadUntilAsync(e => !e.IsGap && e.Seq == sent);

        var gaps = got.Where(e => e.IsGap).ToList();
        var events = got.Where(e => !e.IsGap).Select(e => e.Seq).ToList();
        var dropped = gaps.Sum(gap => gap.Data.GetProperty("dropped").GetInt64());
        Assert.NotEmpty(gaps);
        Assert.All(gaps, gap => Assert.Equal("dropped", gap.Data.GetProperty("reason").GetString()));
        Assert.Equal(sent, events.Count + dropped);
        Assert.Equal(events.Order(), events);
        Assert.Equal(dropped, metrics.Sum("eventing.streams.dropped"));
    }

    [Fact]
    public async Task Stalled_client_is_disconnected_under_the_disconnect_policy_while_the_others_get_every_event()
    {
        var stream = TestStreams.NewName();
        using var metrics = new StreamMetrics(stream);
        await using var server = await TestStreams.StartLocalAsync(stream, options =>
        {
            options.BufferCapacity = 16;
            options.SlowClientPolicy = SlowClientPolicy.Disconnect;
            options.CloseTimeout = TimeSpan.FromMilliseconds(500);
        });
        await using var fast = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice);
        await using var stalled = await WebSocketClient.ConnectAsync(server.WebSocket("/events/" + stream), TestStreams.Alice, read: false);

        var sent = await SendInLockstepAsync(server, fast, () => metrics.Sum("eventing.streams.disconnects", "slow_client") > 0);
        await metrics.WaitAsync(m => m.Sum("eventing.streams.connections") == 1);
        stalled.StartReading();
        await stalled.Ended.WaitAsync(StreamClient.Timeout);

        Assert.Equal(1, metrics.Sum("eventing.streams.disconnects", "slow_client"));
        Assert.Equal(0, metrics.Sum("eventing.streams.dropped"));
        // The fast client is still connected and still gets events.
        await server.Events.SendAsync(new TestOrder("r", "acme", sent + 1));
        Assert.Equal(sent + 1, (await fast.NextAsync()).Seq);
    }

    /// <summary>Sends events, each after the fast client got the previous one, until <paramref name="done"/> held for a while.</summary>
    private static async Task<int> SendInLockstepAsync(StreamServer server, StreamClient fast, Func<bool> done)
    {
        var extra = -1;
        for (var seq = 1; seq <= MaxEvents; seq++)
        {
            await server.Events.SendAsync(new TestOrder("r", "acme", seq, Padding));
            var received = await fast.NextAsync();
            Assert.Equal(seq, received.Seq);
            if (extra < 0 && done())
            {
                extra = 0;
            }

            if (extra >= 0 && ++extra == AfterOverflow)
            {
                return seq;
            }
        }

        throw new InvalidOperationException($"{MaxEvents} events of 16 KB did not overflow the stalled client's buffer.");
    }
}
