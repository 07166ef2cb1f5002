using Eventing.Stomp.Wire;
using Eventing.Stomp.Client.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Connections;

/// <summary>
/// The writer loop puts one receipt on the last durable SEND of a run to one destination; these tests hold the
/// broker's side in hand to prove that no send is reported confirmed before a RECEIPT that covers it, and that an
/// ERROR frame or a dropped connection fails every send not yet covered.
/// </summary>
public class ReceiptCoalescingTests
{
    private const int Sends = 500;

    [Fact]
    public async Task Durable_sends_share_one_receipt_per_run_and_complete_only_when_the_receipt_covering_them_arrives()
    {
        await using var server = new FakeStompServer();
        var (connection, sends) = await ConnectAndSendAsync(server, _ => "/queue/a");
        await using var owned = connection;
        // The writer holds the newest send of a run back while the previous run's RECEIPT is outstanding, so the
        // server answers each receipt as soon as it reads it, and checks the sends around it at that moment.
        var receipted = new List<int>();
        var confirmedUpTo = -1;
        for (var i = 0; i < Sends; i++)
        {
            var frame = await server.ReadFrameAsync();
            Assert.Equal("SEND", frame.Command);
            Assert.Equal("true", frame["persistent"]);
            if (frame["receipt"] is not { } id)
            {
                continue;
            }

            receipted.Add(i);
            for (var pending = confirmedUpTo + 1; pending < Sends; pending++)
            {
                Assert.False(sends[pending].IsCompleted, $"send {pending} completed before the RECEIPT for frame {i}, which covers it");
            }

            await server.ReceiptAsync(id);
            await Task.WhenAll(sends[(confirmedUpTo + 1)..(i + 1)]).WaitAsync(TimeSpan.FromSeconds(10));
            for (var later = i + 1; later < Sends; later++)
            {
                Assert.False(sends[later].IsCompleted, $"send {later} completed on the RECEIPT for frame {i}, which comes before it");
            }

            confirmedUpTo = i;
        }

        Assert.Equal(Sends - 1, receipted[^1]);
        Assert.True(receipted.Count < Sends, $"{receipted.Count} receipts for {Sends} sends queued together: the writer did not coalesce them");
    }

    [Fact]
    public async Task Sends_written_while_a_receipt_is_outstanding_are_covered_by_the_next_receipt_and_none_completes_early()
    {
        const string Destination = "/queue/a";
        const int Later = 100;
        await using var server = new FakeStompServer();
        var accept = server.AcceptAsync();
        await using var connection = await StompConnection.ConnectAsync(server.Endpoint, null, NullLogger.Instance, CancellationToken.None);
        await accept;

        var first = connection.EnqueueConfirmed(Encode(Destination), Destination);
        var firstFrame = await server.ReadFrameAsync();
        var firstReceipt = firstFrame["receipt"];
        Assert.NotNull(firstReceipt);

        var sends = new Task[Later];
        for (var i = 0; i < Later; i++)
        {
            sends[i] = connection.EnqueueConfirmed(Encode(Destination), Destination);
        }

        // All but the newest are written while the first RECEIPT is outstanding, none with a receipt of its own.
        for (var i = 0; i < Later - 1; i++)
        {
            var frame = await server.ReadFrameAsync();
            Assert.Null(frame["receipt"]);
        }

        Assert.False(first.IsCompleted, "the first send completed before its RECEIPT");
        Assert.All(sends, send => Assert.False(send.IsCompleted, "a send completed before any RECEIPT covering it"));

        await server.ReceiptAsync(firstReceipt);
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        // That RECEIPT closes the open run: the held newest send comes with the receipt covering all of them.
        var last = await server.ReadFrameAsync();
        var lastReceipt = last["receipt"];
        Assert.NotNull(lastReceipt);
        Assert.NotEqual(firstReceipt, lastReceipt);
        Assert.All(sends, send => Assert.False(send.IsCompleted, "a send completed on the RECEIPT of the run before it"));

        await server.ReceiptAsync(lastReceipt);
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sends_to_different_destinations_never_share_a_receipt()
    {
        await using var server = new FakeStompServer();
        var (connection, sends) = await ConnectAndSendAsync(server, i => i % 3 == 0 ? "/queue/b" : "/queue/a");
        await using var owned = connection;
        var frames = new List<StompFrame>(Sends);
        while (frames.Count < Sends)
        {
            var frame = await server.ReadFrameAsync();
            frames.Add(frame);
            if (frame["receipt"] is { } id)
            {
                await server.ReceiptAsync(id);
            }
        }

        for (var i = 0; i < frames.Count; i++)
        {
            var runEnds = i == frames.Count - 1 || frames[i]["destination"] != frames[i + 1]["destination"];
            if (runEnds)
            {
                Assert.NotNull(frames[i]["receipt"]);
            }
        }

        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_error_frame_mid_batch_fails_every_send_no_receipt_covered()
    {
        await using var server = new FakeStompServer();
        var (connection, sends) = await ConnectAndSendAsync(server, _ => "/queue/a");
        await using var owned = connection;

        // Read part of the batch only: the rest may still be queued, held by the writer, or in the socket.
        var first = await ReadAllAsync(server, 10);
        await server.ErrorAsync("disk full");

        foreach (var send in sends)
        {
            var error = await Assert.ThrowsAsync<StompErrorFrameException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(10, first.Count);
        Assert.False(connection.IsOpen);
    }

    [Fact]
    public async Task A_lost_connection_fails_every_send_no_receipt_covered()
    {
        await using var server = new FakeStompServer();
        var (connection, sends) = await ConnectAndSendAsync(server, _ => "/queue/a");
        await using var owned = connection;

        // Everything but the newest send, which the writer holds back until the first run's RECEIPT, which never comes.
        await ReadAllAsync(server, Sends - 1);
        server.Drop();

        foreach (var send in sends)
        {
            await Assert.ThrowsAsync<StompConnectionLostException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task A_send_queued_after_the_connection_failed_is_refused_not_left_pending()
    {
        await using var server = new FakeStompServer();
        var (connection, sends) = await ConnectAndSendAsync(server, _ => "/queue/a");
        await using var owned = connection;
        await server.ErrorAsync("bye");
        var closed = await connection.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<StompErrorFrameException>(closed);

        Assert.Throws<StompConnectionLostException>(() => { _ = connection.EnqueueConfirmed(Encode("/queue/a"), "/queue/a"); });
        foreach (var send in sends)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    private static async Task<(StompConnection Connection, Task[] Sends)> ConnectAndSendAsync(FakeStompServer server, Func<int, string> destination)
    {
        var accept = server.AcceptAsync();
        var connection = await StompConnection.ConnectAsync(server.Endpoint, null, NullLogger.Instance, CancellationToken.None);
        await accept;
        var sends = new Task[Sends];
        for (var i = 0; i < Sends; i++)
        {
            var to = destination(i);
            sends[i] = connection.EnqueueConfirmed(Encode(to), to);
        }

        return (connection, sends);
    }

    private static FrameBuffer Encode(string destination) =>
        StompWire.EncodeSend(NewEnvelope("coalescing.test"), destination, [], persistent: true, receipt: 0);

    private static async Task<List<StompFrame>> ReadAllAsync(FakeStompServer server, int count)
    {
        var frames = new List<StompFrame>(count);
        while (frames.Count < count)
        {
            frames.Add(await server.ReadFrameAsync());
        }

        return frames;
    }
}
