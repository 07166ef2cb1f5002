using Eventing.AspNetCore.Tests.Infrastructure;

namespace Eventing.AspNetCore.Tests.Streams;

/// <summary>Two web instances behind one RabbitMQ: each has its per-process listener, so each pushes every event.</summary>
public sealed class ScaleOutTests
{
    [Fact]
    public async Task Two_web_instances_behind_one_broker_give_each_of_their_clients_every_event_exactly_once()
    {
        var stream = TestStreams.NewName();
        var run = Guid.NewGuid().ToString("N");
        await using var first = await TestStreams.StartRabbitMqAsync(stream, run);
        await using var second = await TestStreams.StartRabbitMqAsync(stream, run);
        await using var onFirst = await WebSocketClient.ConnectAsync(first.WebSocket("/events/" + stream), TestStreams.Alice);
        await using var onSecond = await SseClient.ConnectAsync(second.Http("/events/" + stream), TestStreams.Alice);
        await using var otherTenant = await WebSocketClient.ConnectAsync(second.WebSocket("/events/" + stream), TestStreams.Bob);

        for (var seq = 1; seq <= 20; seq++)
        {
            // Alternate the sending instance: where an event enters the bus must not matter.
            await (seq % 2 == 0 ? first : second).Events.SendAsync(new TestOrder(run, "acme", seq));
        }

        await second.Events.SendAsync(new TestOrder(run, "globex", 21));
        var expected = Enumerable.Range(1, 20).ToArray();

        // Two senders on two connections: the broker keeps each one's order, not the order between them.
        Assert.Equal(expected, (await ReadAsync(onFirst, 20)).Order());
        Assert.Equal(expected, (await ReadAsync(onSecond, 20)).Order());
        Assert.Equal(21, (await otherTenant.NextAsync()).Seq);
        // No duplicate follows: the next event each client gets is a new one.
        await first.Events.SendAsync(new TestOrder(run, "acme", 22));
        Assert.Equal(22, (await onFirst.NextAsync()).Seq);
        Assert.Equal(22, (await onSecond.NextAsync()).Seq);
    }

    private static async Task<List<int>> ReadAsync(StreamClient client, int count)
    {
        var seqs = new List<int>();
        while (seqs.Count < count)
        {
            seqs.Add((await client.NextAsync()).Seq);
        }

        return seqs;
    }
}
