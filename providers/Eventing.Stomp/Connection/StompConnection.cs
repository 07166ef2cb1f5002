using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp;

/// <summary>
/// One STOMP 1.2 connection: a read loop that decodes frames, one writer loop fed by a channel (callers encode
/// frames on their own thread and never lock around the socket), pending receipts matched by id so many sends
/// are in flight at once, and heart-beats both ways. Any failure closes the connection exactly once and fails
/// everything pending with the reason; reconnecting is the owner's job.
/// </summary>
internal sealed class StompConnection : IAsyncDisposable
{
    // Flush at least this often while frames keep coming, so the pipe never buffers without bound.
    private const int FlushThresholdBytes = 64 * 1024;

    // A run of durable SENDs shares one receipt (see WriteLoopAsync). Under sustained load the channel never
    // drains and a run stays open while the previous RECEIPT is outstanding, so a run is also closed after this
    // many sends: it bounds how long the first send of a run waits.
    private const int MaxSendsPerReceipt = 1024;

    private readonly StompEndpoint _endpoint;
    private readonly Stream _stream;
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly StompFrameDecoder _decoder;
    private readonly ILogger _logger;
    private readonly Channel<Outbound> _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, ReceiptWaiters> _receipts = new();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Action<StompConnection, StompFrame>? _onMessage;
    private Exception? _failure;
    private long _nextReceipt;
    private long _lastReceived;
    private long _lastSent;
    private int _closing;
    private volatile bool _disconnecting;
    private Task _loops = Task.CompletedTask;

    private StompConnection(StompEndpoint endpoint, Socket socket, Stream stream, ILogger logger)
    {
        _endpoint = endpoint;
        _socket = socket;
        _stream = stream;
        _logger = logger;
        _decoder = new StompFrameDecoder(endpoint.Limits);
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
    }

    public StompEndpoint Endpoint => _endpoint;

    /// <summary>The <c>server</c> header of CONNECTED, e.g. <c>ActiveMQ/5.17.2</c> or <c>RabbitMQ/3.10.8</c>.</summary>
    public string Server { get; private set; } = string.Empty;

    public string Version { get; private set; } = string.Empty;

    public TimeSpan SendHeartBeat { get; private set; }

    public TimeSpan ReceiveHeartBeat { get; private set; }

    /// <summary>Completes when the connection is closed: null after a requested close, else the reason.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>
    /// Connects, sends CONNECT and waits for CONNECTED.
    /// </summary>
    /// <param name="endpoint">Where to connect.</param>
    /// <param name="onMessage">Called on the read loop for each MESSAGE frame; it must not block or throw.</param>
    /// <param name="logger">For connection events.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <exception cref="StompErrorFrameException">The broker refused the connection (bad credentials, unknown vhost).</exception>
    public static async Task<StompConnection> ConnectAsync(StompEndpoint endpoint, Action<StompConnection, StompFrame>? onMessage, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            try
            {
                await socket.ConnectAsync(endpoint.HostName, endpoint.Port, timeout.Token).ConfigureAwait(false);
                stream = new NetworkStream(socket, ownsSocket: false);
                if (endpoint.UseTls)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = tls;
                    await tls.AuthenticateAsClientAsync(TlsOptions(endpoint), timeout.Token).ConfigureAwait(false);
                }

                var connection = new StompConnection(endpoint, socket, stream, logger) { _onMessage = onMessage };
                await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
                return connection;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to {endpoint} took longer than {endpoint.ConnectTimeout.TotalSeconds:0.#} s (StompProviderOptions.ConnectTimeout).");
            }
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    /// <summary>Allocates a receipt id and the task that completes when the broker sends its RECEIPT.</summary>
    public long RegisterReceipt(out Task receipt)
    {
        var id = Interlocked.Increment(ref _nextReceipt);
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receipt = source.Task;
        var waiters = new ReceiptWaiters(source, destination: null);
        _receipts[id] = waiters;
        if (!IsOpen && _receipts.TryRemove(id, out _))
        {
            waiters.Fail(Volatile.Read(ref _failure) ?? Lost(null));
        }

        return id;
    }

    /// <summary>
    /// Queues a durable SEND encoded WITHOUT a receipt header and returns the task that completes when the broker
    /// confirmed it. The writer loop coalesces consecutive durable SENDs to the same destination into one run and
    /// puts a single <c>receipt</c> header on the run's last frame; that RECEIPT completes the whole run, an ERROR
    /// frame or a lost connection fails it.
    /// </summary>
    /// <exception cref="StompConnectionLostException">The connection is closed.</exception>
    public Task EnqueueConfirmed(FrameBuffer frame, string destination)
    {
        var confirmation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_outbound.Writer.TryWrite(new Outbound(frame, confirmation, destination)))
        {
            frame.Dispose();
            throw Lost(null);
        }

        return confirmation.Task;
    }

    /// <summary>Forgets a receipt the caller no longer waits for (timeout, cancellation).</summary>
    public void AbandonReceipt(long id) => _receipts.TryRemove(id, out _);

    /// <summary>Queues an encoded frame for the writer loop, which owns and returns its buffer.</summary>
    /// <exception cref="StompConnectionLostException">The connection is closed.</exception>
    public void Enqueue(FrameBuffer frame)
    {
        if (!_outbound.Writer.TryWrite(new Outbound(frame, null, null)))
        {
            frame.Dispose();
            throw Lost(null);
        }
    }

    /// <summary>Sends DISCONNECT, waits for its receipt (so every earlier frame was processed), then closes.</summary>
    public async Task DisconnectAsync(TimeSpan timeout)
    {
        if (IsOpen)
        {
            try
            {
                var frame = new FrameBuffer(64);
                StompFrameEncoder.WriteCommand(frame, StompCommands.Disconnect);
                var id = RegisterReceipt(out var receipt);
                StompFrameEncoder.WriteHeader(frame, StompHeaders.Receipt, id);
                StompFrameEncoder.WriteEnd(frame);

                // The broker may close the socket as soon as it sent the receipt; that end is expected.
                _disconnecting = true;
                Enqueue(frame);
                await receipt.WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or StompConnectionLostException or StompErrorFrameException)
            {
                Log.DisconnectUnconfirmed(_logger, exception, _endpoint.Display);
            }
        }

        await CloseAsync(null).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(null).ConfigureAwait(false);
    }

    /// <summary>Closes the connection because of <paramref name="reason"/> (null: on request).</summary>
    public async Task CloseAsync(Exception? reason)
    {
        Fail(reason);
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The loops end by cancellation or a dead socket; the reason was recorded by Fail.
        }
    }

    private static SslClientAuthenticationOptions TlsOptions(StompEndpoint endpoint)
    {
        var configured = endpoint.Tls;
        return new SslClientAuthenticationOptions
        {
            TargetHost = configured?.TargetHost ?? endpoint.HostName,
            RemoteCertificateValidationCallback = configured?.RemoteCertificateValidationCallback,
            ClientCertificates = configured?.ClientCertificates,
            EnabledSslProtocols = configured?.EnabledSslProtocols ?? default,
            CertificateRevocationCheckMode = configured?.CertificateRevocationCheckMode ?? default,
            LocalCertificateSelectionCallback = configured?.LocalCertificateSelectionCallback,
        };
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var heartBeat = (long)_endpoint.HeartBeat.TotalMilliseconds;
        var connect = new FrameBuffer(256);
        StompFrameEncoder.WriteCommand(connect, StompCommands.Connect);
        StompFrameEncoder.WriteHeader(connect, StompHeaders.AcceptVersion, "1.2", escape: false);
        StompFrameEncoder.WriteHeader(connect, StompHeaders.Host, _endpoint.VirtualHost, escape: false);
        if (_endpoint.Login is not null)
        {
            StompFrameEncoder.WriteHeader(connect, StompHeaders.Login, _endpoint.Login, escape: false);
        }

        if (_endpoint.Passcode is not null)
        {
            StompFrameEncoder.WriteHeader(connect, StompHeaders.Passcode, _endpoint.Passcode, escape: false);
        }

        StompFrameEncoder.WriteHeader(connect, StompHeaders.HeartBeat, string.Create(CultureInfo.InvariantCulture, $"{heartBeat},{heartBeat}"), escape: false);
        StompFrameEncoder.WriteEnd(connect);
        using (connect)
        {
            await _output.WriteAsync(connect.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        var reply = await ReadOneFrameAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Command == StompCommands.Error)
        {
            throw ErrorException(reply, "refused the connection");
        }

        if (reply.Command != StompCommands.Connected)
        {
            throw new StompProtocolException($"{_endpoint} answered CONNECT with {reply.Command} instead of CONNECTED.");
        }

        Version = reply[StompHeaders.Version] ?? "1.0";
        if (Version != "1.2")
        {
            throw new StompProtocolException($"{_endpoint} speaks STOMP {Version}; Eventing needs STOMP 1.2.");
        }

        Server = reply[StompHeaders.Server] ?? string.Empty;
        var (serverSends, serverWants) = ParseHeartBeat(reply[StompHeaders.HeartBeat]);

        // STOMP 1.2 heart-beat negotiation: each direction runs at the larger of what one side can do and the
        // other wants, and is off if either side says 0.
        SendHeartBeat = heartBeat == 0 || serverWants == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(heartBeat, serverWants));
        ReceiveHeartBeat = heartBeat == 0 || serverSends == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(heartBeat, serverSends));
        var now = Environment.TickCount64;
        _lastReceived = now;
        _lastSent = now;
        Log.Connected(_logger, _endpoint.Display, Server, Version, (long)SendHeartBeat.TotalMilliseconds, (long)ReceiveHeartBeat.TotalMilliseconds);
        _loops = Task.WhenAll(Task.Run(ReadLoopAsync, CancellationToken.None), Task.Run(WriteLoopAsync, CancellationToken.None), HeartBeatLoopAsync());
    }

    private (long Sends, long Wants) ParseHeartBeat(string? value)
    {
        if (value is null)
        {
            return (0, 0);
        }

        var comma = value.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 ||
            !long.TryParse(value.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out var sends) ||
            !long.TryParse(value.AsSpan(comma + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var wants))
        {
            throw new StompProtocolException($"{_endpoint} sent the heart-beat header '{value}'; STOMP 1.2 expects '<ms>,<ms>'.");
        }

        return (sends, wants);
    }

    private async Task<StompFrame> ReadOneFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var decoded = _decoder.TryDecode(ref buffer, out var frame);
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (decoded)
            {
                return frame!;
            }

            if (result.IsCompleted)
            {
                throw new StompConnectionLostException($"{_endpoint} closed the connection during the STOMP handshake.");
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var token = _stop.Token;
        Exception? reason = null;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(token).ConfigureAwait(false);
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                var buffer = result.Buffer;
                try
                {
                    while (_decoder.TryDecode(ref buffer, out var frame))
                    {
                        Dispatch(frame);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    reason = _disconnecting && _receipts.IsEmpty ? null : Lost(null);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            reason = exception;
        }
        finally
        {
            Fail(reason);
        }
    }

    private void Dispatch(StompFrame frame)
    {
        switch (frame.Command)
        {
            case StompCommands.Message:
                _onMessage?.Invoke(this, frame);
                break;
            case StompCommands.Receipt:
                if (long.TryParse(frame[StompHeaders.ReceiptId], NumberStyles.None, CultureInfo.InvariantCulture, out var id) &&
                    _receipts.TryRemove(id, out var receipt))
                {
                    receipt.Complete();
                    if (receipt.Destination is not null)
                    {
                        // A run's RECEIPT: the writer may be holding the next run open until it arrives.
                        _outbound.Writer.TryWrite(new Outbound(null, null, null, id));
                    }
                }

                break;
            case StompCommands.Error:
                var error = ErrorException(frame, "sent an ERROR frame");
                if (long.TryParse(frame[StompHeaders.ReceiptId], NumberStyles.None, CultureInfo.InvariantCulture, out var failed) &&
                    _receipts.TryRemove(failed, out var failedReceipt))
                {
                    failedReceipt.Fail(error);
                }

                // STOMP 1.2: the server closes the connection after an ERROR frame; everything pending fails with it.
                throw error;
            default:
                throw new StompProtocolException($"{_endpoint} sent a {frame.Command} frame, which only clients send.");
        }
    }

    // Receipt coalescing. ActiveMQ stores a persistent SEND that carries a receipt synchronously (fsync) on the
    // connection's thread, one at a time; without a receipt it queues the store on KahaDB's single-threaded store
    // executor and the journal appends it in order, so a receipted SEND's fsync also covers the earlier ones on
    // that journal. RabbitMQ answers a SEND receipt from publisher confirms, which arrive in order per queue but
    // not across queues. Both brokers handle one connection's frames in order. So a run is only ever SENDs to ONE
    // destination (the same queues): its last frame carries the receipt, and that RECEIPT confirms the run. A frame
    // of any other kind or another destination closes the run first, so wire order is never changed. An ERROR
    // frame or a lost connection fails every send of every open run.
    //
    // Group commit: while the previous run's RECEIPT for the same destination is outstanding, the broker is busy
    // with that forced write anyway, so the run stays open when the queue drains (closing it would cost one more
    // forced write per tiny run). Its SENDs are written and flushed without a receipt, except the newest, which is
    // held back: when the outstanding RECEIPT arrives (the read loop queues a marker), or the run reaches
    // MaxSendsPerReceipt, the held SEND is written with the run's receipt. Holding back a SEND rather than closing
    // the run with a cheap receipted frame (BEGIN, ABORT): a RECEIPT only says the broker processed that frame, and
    // one for a frame that stores nothing forces no disk write covering the SENDs before it.
    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var token = _stop.Token;
        Exception? reason = null;
        FrameBuffer? held = null;
        ReceiptWaiters? run = null;
        var outstanding = 0L;
        string? outstandingDestination = null;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                var unflushed = 0;
                while (reader.TryRead(out var item))
                {
                    if (item.Frame is null)
                    {
                        if (item.ReceiptArrived != 0)
                        {
                            if (item.ReceiptArrived == outstanding)
                            {
                                outstanding = 0;
                                if (run is not null)
                                {
                                    unflushed += CloseRun(ref held, ref run, ref outstanding, ref outstandingDestination);
                                }
                            }
                        }
                        else
                        {
                            // A heart-beat EOL may sit between any two frames, even inside an open run.
                            _output.GetSpan(1)[0] = (byte)'\n';
                            _output.Advance(1);
                            unflushed++;
                        }
                    }
                    else if (item.Confirmation is not null)
                    {
                        if (run is not null && !string.Equals(run.Destination, item.Destination, StringComparison.Ordinal))
                        {
                            unflushed += CloseRun(ref held, ref run, ref outstanding, ref outstandingDestination);
                        }

                        if (held is not null)
                        {
                            unflushed += WriteFrame(held, receipt: 0);
                        }

                        held = item.Frame;
                        if (run is null)
                        {
                            run = new ReceiptWaiters(item.Confirmation, item.Destination);
                        }
                        else
                        {
                            run.Add(item.Confirmation);
                        }

                        if (run.Count >= MaxSendsPerReceipt)
                        {
                            unflushed += CloseRun(ref held, ref run, ref outstanding, ref outstandingDestination);
                        }
                    }
                    else
                    {
                        if (run is not null)
                        {
                            unflushed += CloseRun(ref held, ref run, ref outstanding, ref outstandingDestination);
                        }

                        unflushed += WriteFrame(item.Frame, receipt: 0);
                    }

                    if (unflushed >= FlushThresholdBytes)
                    {
                        await FlushAsync(token).ConfigureAwait(false);
                        unflushed = 0;
                    }
                }

                // The queue drained: keep the run open only while a RECEIPT for its destination is on its way,
                // which will close it; otherwise nothing would.
                if (run is not null && (outstanding == 0 || !string.Equals(run.Destination, outstandingDestination, StringComparison.Ordinal)))
                {
                    unflushed += CloseRun(ref held, ref run, ref outstanding, ref outstandingDestination);
                }

                if (unflushed > 0)
                {
                    await FlushAsync(token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            reason = exception;
        }
        finally
        {
            Fail(reason);
            var failure = Volatile.Read(ref _failure) ?? Lost(reason);
            held?.Dispose();
            run?.Fail(failure);
            while (reader.TryRead(out var left))
            {
                left.Frame?.Dispose();
                left.Confirmation?.TrySetException(failure);
            }
        }
    }

    /// <summary>Registers the run's receipt and writes its held last frame with that receipt header.</summary>
    private int CloseRun(ref FrameBuffer? held, ref ReceiptWaiters? run, ref long outstanding, ref string? outstandingDestination)
    {
        var id = Interlocked.Increment(ref _nextReceipt);
        var waiters = run!;
        var frame = held!;
        run = null;
        held = null;
        outstanding = id;
        outstandingDestination = waiters.Destination;
        _receipts[id] = waiters;
        if (!IsOpen && _receipts.TryRemove(id, out _))
        {
            // Fail ran between the check and the add and did not see this run.
            waiters.Fail(Volatile.Read(ref _failure) ?? Lost(null));
        }

        return WriteFrame(frame, id);
    }

    /// <summary>Copies a frame to the pipe, inserting <c>receipt:id</c> after its command line when id is not 0.</summary>
    private int WriteFrame(FrameBuffer frame, long receipt)
    {
        using (frame)
        {
            var bytes = frame.WrittenSpan;
            if (receipt == 0)
            {
                _output.Write(bytes);
                return bytes.Length;
            }

            // STOMP 1.2 allows headers in any order; the encoder never wrote a receipt header into this frame, so
            // this one is the only one (a repeated header would lose to the first).
            var commandLine = bytes.IndexOf((byte)'\n') + 1;
            _output.Write(bytes[..commandLine]);
            var span = _output.GetSpan(32);
            "receipt:"u8.CopyTo(span);
            System.Buffers.Text.Utf8Formatter.TryFormat(receipt, span[8..], out var digits);
            span[8 + digits] = (byte)'\n';
            _output.Advance(9 + digits);
            _output.Write(bytes[commandLine..]);
            return bytes.Length + 9 + digits;
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastSent, Environment.TickCount64);
        if (flush.IsCompleted)
        {
            throw Lost(null);
        }
    }

    private async Task HeartBeatLoopAsync()
    {
        var send = SendHeartBeat;
        var receive = ReceiveHeartBeat;
        if (send == TimeSpan.Zero && receive == TimeSpan.Zero)
        {
            return;
        }

        // Tick often enough to send within the agreed interval and to notice a silent broker soon after twice
        // its interval (the spec leaves the tolerance to the implementation; twice absorbs GC pauses and load).
        var tick = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(
            send == TimeSpan.Zero ? double.MaxValue : send.TotalMilliseconds / 2,
            receive == TimeSpan.Zero ? double.MaxValue : receive.TotalMilliseconds / 2)));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                if (send > TimeSpan.Zero && now - Volatile.Read(ref _lastSent) >= send.TotalMilliseconds - tick.TotalMilliseconds)
                {
                    _outbound.Writer.TryWrite(default);
                }

                var silence = TimeSpan.FromMilliseconds(now - Volatile.Read(ref _lastReceived));
                if (receive > TimeSpan.Zero && silence > 2 * receive)
                {
                    Log.HeartBeatMissed(_logger, _endpoint.Display, silence);
                    Fail(new TimeoutException($"{_endpoint} sent nothing for {silence.TotalSeconds:0.#} s although it agreed to heart-beat every {receive.TotalSeconds:0.#} s; the connection is considered dead."));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fail(Exception? reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        var lost = reason as StompErrorFrameException ?? (Exception)Lost(reason);

        // Published before the channel completes, so the writer loop fails what it still holds with this reason.
        Volatile.Write(ref _failure, lost);
        _outbound.Writer.TryComplete();
        foreach (var pending in _receipts)
        {
            if (_receipts.TryRemove(pending.Key, out var receipt))
            {
                receipt.Fail(lost);
            }
        }

        _stop.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _stream.Dispose();
        _closed.TrySetResult(reason);
    }

    private StompConnectionLostException Lost(Exception? reason) =>
        new(reason is null
                ? $"The STOMP connection to {_endpoint} is closed."
                : $"The STOMP connection to {_endpoint} was lost: {reason.Message}",
            reason);

    private StompErrorFrameException ErrorException(StompFrame frame, string what)
    {
        var message = frame[StompHeaders.Message];
        var details = frame.Body.IsEmpty ? null : Encoding.UTF8.GetString(frame.Body.Span).Trim();
        var text = new StringBuilder().Append(_endpoint.Display).Append(' ').Append(what).Append(": ").Append(message ?? "(no message header)");
        if (!string.IsNullOrEmpty(details) && details != message)
        {
            text.Append(" — ").Append(details);
        }

        return new StompErrorFrameException(text.ToString(), message, details);
    }

    /// <summary>
    /// One item for the writer loop: a frame and, for a durable SEND, its confirmation; without a frame, either a
    /// heart-beat EOL or (<paramref name="ReceiptArrived"/> not 0) the news that a run's RECEIPT came in.
    /// </summary>
    private readonly record struct Outbound(FrameBuffer? Frame, TaskCompletionSource? Confirmation, string? Destination, long ReceiptArrived = 0);

    /// <summary>Everyone waiting for one receipt id: a single frame's caller, or every send of a coalesced run.</summary>
    private sealed class ReceiptWaiters(TaskCompletionSource first, string? destination)
    {
        private List<TaskCompletionSource>? _rest;

        public string? Destination { get; } = destination;

        public int Count => 1 + (_rest?.Count ?? 0);

        public void Add(TaskCompletionSource waiter) => (_rest ??= new List<TaskCompletionSource>(16)).Add(waiter);

        public void Complete()
        {
            first.TrySetResult();
            if (_rest is { } rest)
            {
                foreach (var waiter in rest)
                {
                    waiter.TrySetResult();
                }
            }
        }

        public void Fail(Exception reason)
        {
            first.TrySetException(reason);
            if (_rest is { } rest)
            {
                foreach (var waiter in rest)
                {
                    waiter.TrySetException(reason);
                }
            }
        }
    }
}
