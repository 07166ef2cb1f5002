using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Threading.Channels;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// The one writer of a connection: callers encode frames on their own thread and queue them here, and this loop
/// copies them to the socket, so nobody locks around writes. It also coalesces the receipts of durable SENDs.
/// </summary>
/// <remarks>
/// Receipt coalescing. ActiveMQ stores a persistent SEND that carries a receipt synchronously (fsync) on the
/// connection's thread, one at a time; without a receipt it queues the store on KahaDB's single-threaded store
/// executor and the journal appends it in order, so a receipted SEND's fsync also covers the earlier ones on
/// that journal. RabbitMQ answers a SEND receipt from publisher confirms, which arrive in order per queue but
/// not across queues. Both brokers handle one connection's frames in order. So a run is only ever SENDs to ONE
/// destination (the same queues): its last frame carries the receipt, and that RECEIPT confirms the run. A frame
/// of any other kind or another destination closes the run first, so wire order is never changed. An ERROR
/// frame or a lost connection fails every send of every open run.
/// <para>
/// Group commit: while the previous run's RECEIPT for the same destination is outstanding, the broker is busy
/// with that forced write anyway, so the run stays open when the queue drains (closing it would cost one more
/// forced write per tiny run). Its SENDs are written and flushed without a receipt, except the newest, which is
/// held back: when the outstanding RECEIPT arrives (the read loop queues a marker), or the run reaches
/// <see cref="MaxSendsPerReceipt"/>, the held SEND is written with the run's receipt. Holding back a SEND rather
/// than closing the run with a cheap receipted frame (BEGIN, ABORT): a RECEIPT only says the broker processed that
/// frame, and one for a frame that stores nothing forces no disk write covering the SENDs before it.
/// </para>
/// </remarks>
internal sealed class FrameWriter(PipeWriter output, ReceiptBook receipts, string endpoint)
{
    // Flush at least this often while frames keep coming, so the pipe never buffers without bound.
    private const int FlushThresholdBytes = 64 * 1024;

    // Under sustained load the queue never drains and a run stays open while the previous RECEIPT is outstanding,
    // so a run is also closed after this many sends: it bounds how long the first send of a run waits.
    private const int MaxSendsPerReceipt = 1024;

    private readonly Channel<Outbound> _queue = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });

    // The open run: its waiters and its newest SEND, held back to carry the run's receipt.
    private ReceiptWaiters? _run;
    private QueuedFrame _held;

    // The receipt of the last run written, until it arrives, and that run's destination.
    private long _outstanding;
    private string? _outstandingDestination;
    private long _lastFlushed = Environment.TickCount64;

    /// <summary>When bytes last went to the socket (<see cref="Environment.TickCount64"/>), for heart-beats.</summary>
    public long LastFlushed => Volatile.Read(ref _lastFlushed);

    /// <summary>Queues an item; false once the connection closed.</summary>
    public bool TryQueue(Outbound item) => _queue.Writer.TryWrite(item);

    /// <summary>Tells the loop that the RECEIPT of a run arrived: a run held open for it can close.</summary>
    public void ReceiptArrived(long id) => _queue.Writer.TryWrite(new Outbound(default, null, null, id));

    /// <summary>Refuses further items; the loop ends once it wrote what was queued before.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Writes until <see cref="Complete"/> or <paramref name="cancellationToken"/>.</summary>
    /// <exception cref="StompConnectionLostException">The peer stopped reading.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var unflushed = 0;
            while (reader.TryRead(out var item))
            {
                unflushed += Write(item);
                if (unflushed >= FlushThresholdBytes)
                {
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                    unflushed = 0;
                }
            }

            // The queue drained: keep the run open only while a RECEIPT for its destination is on its way, which
            // will close it; otherwise nothing would.
            if (_run is not null && (_outstanding == 0 || !string.Equals(_run.Destination, _outstandingDestination, StringComparison.Ordinal)))
            {
                unflushed += CloseRun();
            }

            if (unflushed > 0)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>After the loop ended: fails the open run and everything still queued, and returns their buffers.</summary>
    public void Abandon(Exception failure)
    {
        if (_held.Chunk is not null)
        {
            _held.Release();
            _held = default;
        }

        _run?.Fail(failure);
        _run = null;
        while (_queue.Reader.TryRead(out var left))
        {
            if (left.HasFrame)
            {
                left.Frame.Release();
            }

            left.Confirmation?.Fail(failure);
        }
    }

    /// <summary>Handles one item; returns the bytes it wrote to the pipe.</summary>
    private int Write(in Outbound item)
    {
        if (!item.HasFrame)
        {
            return item.ReceiptArrived == 0 ? WriteHeartBeat() : OnReceipt(item.ReceiptArrived);
        }

        if (item.Confirmation is null)
        {
            return (_run is null ? 0 : CloseRun()) + WriteFrame(item.Frame, receipt: 0);
        }

        return AddToRun(item.Frame, item.Confirmation, item.Destination);
    }

    private int AddToRun(QueuedFrame frame, IReceiptWaiter confirmation, string? destination)
    {
        var written = 0;
        if (_run is not null && !string.Equals(_run.Destination, destination, StringComparison.Ordinal))
        {
            written += CloseRun();
        }

        // The new frame and its waiter are in the run before the previous frame is written: whatever happens to
        // that write, Abandon then finds both, so the frame is returned once and the waiter fails, never hangs.
        var previous = _held;
        _held = frame;
        if (_run is null)
        {
            _run = new ReceiptWaiters(confirmation, destination);
        }
        else
        {
            _run.Add(confirmation);
        }

        if (previous.Chunk is not null)
        {
            written += WriteFrame(previous, receipt: 0);
        }

        return _run.Count >= MaxSendsPerReceipt ? written + CloseRun() : written;
    }

    private int OnReceipt(long id)
    {
        if (id != _outstanding)
        {
            return 0;
        }

        _outstanding = 0;
        return _run is null ? 0 : CloseRun();
    }

    /// <summary>Registers the run's receipt and writes its held last frame with that receipt header.</summary>
    private int CloseRun()
    {
        var waiters = _run!;
        var frame = _held;
        _run = null;
        _held = default;
        _outstanding = receipts.Add(waiters);
        _outstandingDestination = waiters.Destination;
        return WriteFrame(frame, _outstanding);
    }

    private int WriteHeartBeat()
    {
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
        return 1;
    }

    /// <summary>Copies a frame to the pipe, inserting <c>receipt:id</c> after its command line when id is not 0.</summary>
    private int WriteFrame(QueuedFrame frame, long receipt)
    {
        try
        {
            var bytes = frame.Span;
            if (receipt == 0)
            {
                output.Write(bytes);
                return bytes.Length;
            }

            // STOMP 1.2 allows headers in any order; the encoder never wrote a receipt header into this frame, so
            // this one is the only one (a repeated header would lose to the first).
            var commandLine = bytes.IndexOf((byte)'\n') + 1;
            output.Write(bytes[..commandLine]);
            var span = output.GetSpan(32);
            "receipt:"u8.CopyTo(span);
            Utf8Formatter.TryFormat(receipt, span[8..], out var digits);
            span[8 + digits] = (byte)'\n';
            output.Advance(9 + digits);
            output.Write(bytes[commandLine..]);
            return bytes.Length + 9 + digits;
        }
        finally
        {
            frame.Release();
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastFlushed, Environment.TickCount64);
        if (flush.IsCompleted)
        {
            throw new StompConnectionLostException($"The STOMP connection to {endpoint} is closed.");
        }
    }
}
