using System.Diagnostics;
using Eventing.Providers;
using Eventing.Stomp.Hosting;
using Eventing.Stomp.Sending;
using Eventing.Stomp.Tests.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Sending;

/// <summary>
/// A durable send is its own receipt waiter, with no async method or timer of its own; these tests hold the
/// broker's side in hand to prove that it still ends on time without a RECEIPT, is sent again after a lost
/// connection, ends on cancellation, and fails on an ERROR frame.
/// </summary>
public class SendPathTests
{
    private const string Destination = "/queue/send-path";

    [Fact]
    public async Task A_durable_send_that_no_receipt_covers_fails_once_the_send_timeout_passed()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var server = new FakeStompServer();
        await using var sender = await StartAsync(server, timeout);

        var watch = Stopwatch.StartNew();
        var send = sender.Path.SendAsync(NewEnvelope("send.timeout"), Destination, [], durable: true, CancellationToken.None).AsTask();
        var frame = await server.ReadFrameAsync();
        Assert.NotNull(frame["receipt"]);

        var exception = await Assert.ThrowsAsync<BrokerUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        watch.Stop();
        Assert.IsType<TimeoutException>(exception.InnerException);
        Assert.Contains("StompProviderOptions.SendTimeout", exception.Message, StringComparison.Ordinal);

        // Not before its deadline, and at most a tick (a twentieth of the timeout) after it, plus scheduling.
        Assert.InRange(watch.Elapsed, timeout, timeout + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Durable_sends_are_sent_again_on_the_next_connection_when_it_drops_before_their_receipt()
    {
        const int Sends = 50;
        await using var server = new FakeStompServer();
        await using var sender = await StartAsync(server, TimeSpan.FromSeconds(30));
        var sends = new Task[Sends];
        for (var i = 0; i < Sends; i++)
        {
            sends[i] = sender.Path.SendAsync(NewEnvelope("send.resend"), Destination, [], durable: true, CancellationToken.None).AsTask();
        }

        // Read up to the first receipt, never answer it, and drop the connection.
        while ((await server.ReadFrameAsync())["receipt"] is null)
        {
        }

        var reconnect = server.AcceptAsync();
        server.Drop();
        await reconnect;
        Assert.All(sends, send => Assert.False(send.IsCompleted, "a send completed although no RECEIPT covered it"));

        // Every send comes again on the new connection; answering its receipts confirms them all.
        var resent = 0;
        while (resent < Sends)
        {
            var frame = await server.ReadFrameAsync();
            Assert.Equal("SEND", frame.Command);
            resent++;
            if (frame["receipt"] is { } id)
            {
                await server.ReceiptAsync(id);
            }
        }

        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelling_a_durable_send_ends_it_without_waiting_for_the_receipt()
    {
        await using var server = new FakeStompServer();
        await using var sender = await StartAsync(server, TimeSpan.FromSeconds(30));
        using var cancellation = new CancellationTokenSource();

        var send = sender.Path.SendAsync(NewEnvelope("send.cancel"), Destination, [], durable: true, cancellation.Token).AsTask();
        await server.ReadFrameAsync();
        Assert.False(send.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_error_frame_fails_a_durable_send_and_it_is_not_sent_again()
    {
        await using var server = new FakeStompServer();
        await using var sender = await StartAsync(server, TimeSpan.FromSeconds(30));

        var send = sender.Path.SendAsync(NewEnvelope("send.error"), Destination, [], durable: true, CancellationToken.None).AsTask();
        await server.ReadFrameAsync();
        await server.ErrorAsync("not allowed");

        var error = await Assert.ThrowsAsync<StompErrorFrameException>(() => send.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("not allowed", error.Message, StringComparison.Ordinal);
    }

    private static async Task<Sender> StartAsync(FakeStompServer server, TimeSpan timeout)
    {
        var options = new StompProviderOptions { Uri = server.Uri, HeartBeat = TimeSpan.Zero, ReconnectMinDelay = TimeSpan.FromMilliseconds(50) };
        var endpoints = StompClientSettings.Endpoints(options);
        var session = new StompSession(endpoints, NullLogger.Instance);
        var accept = server.AcceptAsync();
        await session.StartAsync(CancellationToken.None);
        await accept;
        return new Sender(session, new StompSendPath(session, endpoints, timeout));
    }

    private sealed record Sender(StompSession Session, StompSendPath Path) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            Path.Dispose();
        }
    }
}
