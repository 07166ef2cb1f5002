using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using Eventing.Stomp.Client.Diagnostics;
using Eventing.Stomp.Client.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// One STOMP 1.2 connection: a read loop (<see cref="FrameReader"/>), one writer loop (<see cref="FrameWriter"/>)
/// that callers queue encoded frames to, pending receipts matched by id (<see cref="ReceiptBook"/>) so many sends
/// are in flight at once, and heart-beats both ways (<see cref="HeartBeats"/>). Any failure closes the connection
/// exactly once and fails everything pending with the reason; reconnecting is the owner's job.
/// </summary>
internal sealed class StompConnection : IAsyncDisposable
{
    private readonly StompEndpoint _endpoint;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly ILogger _logger;
    private readonly Action<StompConnection, StompFrame>? _onMessage;
    private readonly ReceiptBook _receipts = new();
    private readonly FrameArena _queued = new();
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly PipeWriter _output;
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private HeartBeats _heartBeats = new(TimeSpan.Zero, TimeSpan.Zero);
    private Exception? _failure;
    private int _closing;
    private volatile bool _disconnecting;
    private Task _loops = Task.CompletedTask;

    private StompConnection(StompEndpoint endpoint, Socket socket, Stream stream, Action<StompConnection, StompFrame>? onMessage, ILogger logger)
    {
        _endpoint = endpoint;
        _socket = socket;
        _stream = stream;
        _onMessage = onMessage;
        _logger = logger;
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        _reader = new FrameReader(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true)), endpoint.Limits, endpoint.Display);
        _writer = new FrameWriter(_output, _receipts, endpoint.Display);
    }

    public StompEndpoint Endpoint => _endpoint;

    /// <summary>The <c>server</c> header of CONNECTED, e.g. <c>ActiveMQ/5.17.2</c> or <c>RabbitMQ/3.10.8</c>.</summary>
    public string Server { get; private set; } = string.Empty;

    public string Version { get; private set; } = string.Empty;

    public TimeSpan SendHeartBeat => _heartBeats.Send;

    public TimeSpan ReceiveHeartBeat => _heartBeats.Receive;

    /// <summary>Completes when the connection is closed: null after a requested close, else the reason.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>Connects, sends CONNECT and waits for CONNECTED.</summary>
    /// <param name="endpoint">Where to connect.</param>
    /// <param name="onMessage">Called on the read loop for each MESSAGE frame; it must not block or throw.</param>
    /// <param name="logger">For connection events.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <exception cref="StompErrorFrameException">The broker refused the connection (bad credentials, unknown vhost).</exception>
    /// <exception cref="TimeoutException">Connecting took longer than the endpoint's connect timeout.</exception>
    public static async Task<StompConnection> ConnectAsync(StompEndpoint endpoint, Action<StompConnection, StompFrame>? onMessage, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.ConnectTimeout);
        try
        {
            var (socket, stream) = await StompTransport.OpenAsync(endpoint, timeout.Token).ConfigureAwait(false);
            var connection = new StompConnection(endpoint, socket, stream, onMessage, logger);
            try
            {
                await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                socket.Dispose();
                throw;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {endpoint} took longer than {endpoint.ConnectTimeout.TotalSeconds:0.#} s (StompProviderOptions.ConnectTimeout).");
        }
    }

    /// <summary>Allocates a receipt id and the task that completes when the broker sends its RECEIPT.</summary>
    public long RegisterReceipt(out Task receipt)
    {
        var waiter = new TaskReceiptWaiter();
        receipt = waiter.Task;
        return _receipts.Add(new ReceiptWaiters(waiter, destination: null));
    }

    /// <summary>Forgets a receipt the caller no longer waits for (timeout, cancellation).</summary>
    public void AbandonReceipt(long id) => _receipts.Forget(id);

    /// <summary>
    /// Queues a durable SEND encoded WITHOUT a receipt header; <paramref name="waiter"/> is confirmed once the
    /// broker confirmed it. The writer loop coalesces consecutive durable SENDs to the same destination into one
    /// run and puts a single <c>receipt</c> header on the run's last frame; that RECEIPT confirms the whole run, an
    /// ERROR frame or a lost connection fails it. The frame is copied and disposed at once.
    /// </summary>
    /// <exception cref="StompConnectionLostException">The connection is closed; <paramref name="waiter"/> was not queued.</exception>
    public void EnqueueConfirmed(FrameBuffer frame, string destination, IReceiptWaiter waiter) =>
        Queue(frame, waiter, destination);

    /// <summary>As <see cref="EnqueueConfirmed(FrameBuffer, string, IReceiptWaiter)"/>, returning a task to await.</summary>
    /// <exception cref="StompConnectionLostException">The connection is closed.</exception>
    public Task EnqueueConfirmed(FrameBuffer frame, string destination)
    {
        var waiter = new TaskReceiptWaiter();
        Queue(frame, waiter, destination);
        return waiter.Task;
    }

    /// <summary>Queues an encoded frame for the writer loop; the frame is copied and disposed at once.</summary>
    /// <exception cref="StompConnectionLostException">The connection is closed.</exception>
    public void Enqueue(FrameBuffer frame) => Queue(frame, null, null);

    /// <summary>Queues <paramref name="frame"/> with a receipt (its headers not ended yet) and waits for the RECEIPT.</summary>
    /// <exception cref="TimeoutException">No RECEIPT within <paramref name="timeout"/>.</exception>
    /// <exception cref="StompErrorFrameException">The broker refused the frame.</exception>
    public async Task SendWithReceiptAsync(FrameBuffer frame, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = RegisterReceipt(out var receipt);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Receipt, id);
        StompFrameEncoder.WriteEnd(frame);
        Enqueue(frame);
        try
        {
            await receipt.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            AbandonReceipt(id);
            throw;
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

                // The broker may close the socket as soon as it sent the receipt; that end is expected.
                _disconnecting = true;
                await SendWithReceiptAsync(frame, timeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or StompConnectionLostException or StompErrorFrameException)
            {
                Log.DisconnectUnconfirmed(_logger, exception, _endpoint.Display);
            }
        }

        await CloseAsync(null).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await CloseAsync(null).ConfigureAwait(false);

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

    private void Queue(FrameBuffer frame, IReceiptWaiter? waiter, string? destination)
    {
        QueuedFrame queued;
        using (frame)
        {
            // Copied rather than queued as it is: the encoding buffer goes back to the pool on this thread, where
            // the next send rents it again (see FrameArena).
            queued = _queued.Copy(frame.WrittenSpan);
        }

        if (!_writer.TryQueue(new Outbound(queued, waiter, destination)))
        {
            queued.Release();
            throw Lost(null);
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        using (var connect = StompHandshake.Connect(_endpoint))
        {
            await _output.WriteAsync(connect.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        (Version, Server, _heartBeats) = StompHandshake.Read(await _reader.ReadOneAsync(cancellationToken).ConfigureAwait(false), _endpoint);
        Log.Connected(_logger, _endpoint.Display, Server, Version, (long)SendHeartBeat.TotalMilliseconds, (long)ReceiveHeartBeat.TotalMilliseconds);
        _loops = Task.WhenAll(Task.Run(ReadLoopAsync, CancellationToken.None), Task.Run(WriteLoopAsync, CancellationToken.None), HeartBeatLoopAsync());
    }

    private async Task ReadLoopAsync()
    {
        Exception? reason = null;
        try
        {
            await _reader.RunAsync(Dispatch, _stop.Token).ConfigureAwait(false);

            // The peer closed the socket: expected only once it confirmed our DISCONNECT.
            reason = _disconnecting && _receipts.IsEmpty ? null : Lost(null);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
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

    private async Task WriteLoopAsync()
    {
        Exception? reason = null;
        try
        {
            await _writer.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            reason = exception;
        }
        finally
        {
            Fail(reason);
            _writer.Abandon(Volatile.Read(ref _failure)!);
        }
    }

    private async Task HeartBeatLoopAsync()
    {
        if (await _heartBeats.RunAsync(_writer, _reader, _stop.Token).ConfigureAwait(false) is { } silence)
        {
            var receive = ReceiveHeartBeat;
            Log.HeartBeatMissed(_logger, _endpoint.Display, silence);
            Fail(new TimeoutException($"{_endpoint} sent nothing for {silence.TotalSeconds:0.#} s although it agreed to heart-beat every {receive.TotalSeconds:0.#} s; the connection is considered dead."));
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
                if (ReceiptIdOf(frame) is { } id && _receipts.Take(id) is { } receipt)
                {
                    receipt.Complete();
                    if (receipt.Destination is not null)
                    {
                        // A run's RECEIPT: the writer may be holding the next run open until it arrives.
                        _writer.ReceiptArrived(id);
                    }
                }

                break;
            case StompCommands.Error:
                var error = StompHandshake.ErrorFrame(frame, _endpoint, "sent an ERROR frame");
                if (ReceiptIdOf(frame) is { } failed)
                {
                    _receipts.Take(failed)?.Fail(error);
                }

                // STOMP 1.2: the server closes the connection after an ERROR frame; everything pending fails with it.
                throw error;
            default:
                throw new StompProtocolException($"{_endpoint} sent a {frame.Command} frame, which only clients send.");
        }
    }

    private static long? ReceiptIdOf(StompFrame frame) =>
        long.TryParse(frame[StompHeaders.ReceiptId], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private void Fail(Exception? reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        var lost = reason as StompErrorFrameException ?? (Exception)Lost(reason);

        // Recorded before the queue completes, so the writer loop fails what it still holds with this reason.
        Volatile.Write(ref _failure, lost);
        _writer.Complete();
        _queued.Close();
        _receipts.Close(lost);
        _stop.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
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
}
