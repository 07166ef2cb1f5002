using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Eventing.Amqp.Connections;
using Eventing.Amqp.Diagnostics;
using Eventing.Amqp.Sending;
using Eventing.Amqp.Topology;
using Eventing.Amqp.Wire;
using Eventing.Providers;
using Eventing.Retry;
using Microsoft.Extensions.Logging;

namespace Eventing.Amqp.Receiving;

/// <summary>
/// One listener's receiver: its own session (so a failing link cannot end the senders' session, and ending it
/// makes RabbitMQ requeue what was unsettled) with one receiver link, credit = concurrency ×
/// <see cref="AmqpProviderOptions.CreditPerConcurrency"/>, restored by AMQPNetLite as deliveries are settled.
/// Messages are mapped on the I/O thread and written to the inbox the core's receive pump reads. After a lost link
/// or connection it provisions and attaches again; messages received on the old link are stale and skipped, because
/// the broker delivers them again.
/// </summary>
internal sealed class AmqpSubscription : IProviderSubscription
{
    private readonly AmqpConnection _connection;
    private readonly IAmqpProvisioner? _provisioner;
    private readonly AmqpTerminus _source;
    private readonly ListenerDescriptor _listener;
    private readonly ILogger _logger;
    private readonly AmqpProviderOptions _options;
    private readonly int _credit;
    private readonly Channel<Delivery> _received = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly MessageCallback _onMessage;
    private readonly ConsumerHealth? _health;
    private Session? _session;
    private ReceiverLink? _link;
    private CreditWindow? _window;
    private int _attachNumber;
    private bool _disposed;

    public AmqpSubscription(
        AmqpConnection connection,
        AmqpProviderOptions options,
        AmqpTerminus source,
        ListenerDescriptor listener,
        ILogger logger,
        ConsumerHealth? health = null)
    {
        _health = health;
        _connection = connection;
        _options = options;
        _provisioner = options.Provisioner;
        _source = source;
        _listener = listener;
        _logger = logger;
        _credit = listener.Prefetch ?? (int)Math.Min(10_000L, (long)listener.Concurrency * options.CreditPerConcurrency);
        _onMessage = OnMessage;
    }

    public ChannelReader<Delivery> Deliveries => _received.Reader;

    /// <summary>The link currently receiving (tests use it to break the link like the broker would).</summary>
    internal ReceiverLink? Link => Volatile.Read(ref _link);

    /// <summary>Attaches for the first time; an error here (a missing queue, refused access) reaches the caller.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await AttachAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopReceivingAsync(CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _health?.Dispose();
        // No more credit once what the broker holds is used up. Not drain mode: AMQPNetLite fails the whole
        // connection on a transfer beyond its local credit, and transfers may be on the way.
        Volatile.Read(ref _window)?.Close();

        // The core's pump reads nothing more once it stopped; what it did not read goes back now.
        ReleaseBuffered();
    }

    public async ValueTask DisposeAsync()
    {
        await StopReceivingAsync(CancellationToken.None).ConfigureAwait(false);

        Session? session;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            session = _session;
            _session = null;
            _link = null;
        }

        _received.Writer.TryComplete();
        ReleaseBuffered();
        await CloseAsync(session).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AttachAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.WaitAsync(urgent: false, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        if (_provisioner is not null)
        {
            await _provisioner.ProvisionListenerAsync(_listener, cancellationToken).ConfigureAwait(false);
        }

        var session = new Session(connection);
        var attached = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = _source.ToSource();
        var name = $"eventing-receive-{_listener.Queue}-{Interlocked.Increment(ref _attachNumber)}";

        // A broker that refuses an attach answers with a null source and then detaches with the reason.
        var link = new ReceiverLink(session, name, source, (_, attach) =>
        {
            if (attach.Source is not null)
            {
                attached.TrySetResult(null);
            }
        });
        link.AddClosedCallback((sender, error) =>
        {
            attached.TrySetResult(error ?? new Error(ErrorCode.DetachForced) { Description = "the broker detached the link" });
            OnLinkClosed((ReceiverLink)sender, error);
        });

        Error? refused;
        try
        {
            refused = await attached.Task.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await CloseAsync(session).ConfigureAwait(false);
            throw;
        }

        if (refused is not null)
        {
            await CloseAsync(session).ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Could not receive from {_source.Address} for listener {_listener.Queue} on {_connection.Endpoint}: {refused.Condition} {refused.Description}. " +
                (_provisioner is null ? "Does the queue exist? " : string.Empty) + "See AmqpProviderOptions.Topology.",
                new AmqpException(refused));
        }

        Session? previous;
        lock (_gate)
        {
            if (_disposed || _stopping.IsCancellationRequested)
            {
                previous = session;
            }
            else
            {
                previous = _session;
                _session = session;
                _link = link;
                _window = new CreditWindow(link, _credit);

                // Credit 0 here: the window grants it by hand (see CreditWindow for the broker quirk).
                link.Start(0, _onMessage);
                _window.Open();
            }
        }

        if (previous is not null)
        {
            await CloseAsync(previous).ConfigureAwait(false);
        }

        Log.Attached(_logger, _source.Address, _listener.Queue, _credit);
    }

    // On the I/O thread: map, hand over and return at once. The channel is bounded by the link credit. Not single
    // reader: stopping releases what is left while the pump may still be reading.
    private void OnMessage(IReceiverLink link, Message message)
    {
        var window = Volatile.Read(ref _window);
        var receiver = (ReceiverLink)link;
        if (window is not null && ReferenceEquals(window.Link, receiver))
        {
            window.Received();
        }
        else
        {
            // A late transfer of a link that was replaced: it is skipped and the broker delivers it again.
            window = null;
        }

        var envelope = AmqpWire.Decode(message, _logger, _listener.Queue);
        _received.Writer.TryWrite(new AmqpDelivery(receiver, message, envelope, _listener.Queue, window));
        OnTransferForTests?.Invoke(receiver);
    }

    /// <summary>Runs on the I/O thread after each transfer; recovery tests use it to break a link mid-burst.</summary>
    internal Action<ReceiverLink>? OnTransferForTests { get; set; }

    private void ReleaseBuffered()
    {
        while (_received.Reader.TryRead(out var received))
        {
            if (!received.IsStale)
            {
                ((AmqpDelivery)received).ReleaseUnread();
            }
        }
    }

    private void OnLinkClosed(ReceiverLink link, Error? error)
    {
        lock (_gate)
        {
            if (_disposed || _stopping.IsCancellationRequested || !ReferenceEquals(_link, link))
            {
                return;
            }

            _link = null;
        }

        var condition = error?.Condition ?? "detached";
        var description = error?.Description ?? "the link was closed";
        Log.ReceiverLost(_logger, _listener.Queue, condition, description);

        // Reported even when the link ended with its connection: the connection comes back before the link is
        // re-attached (and, on RabbitMQ, before its queue is re-declared), and until then the listener is deaf.
        // RabbitMQ 3.10 never detaches a link whose queue was deleted: its session crashes on the consumer cancel
        // and the connection closes about 3 s later, which is the first the client hears of it.
        _health?.Cancelled($"the receiver link ended ({condition}: {description}); re-attaching");

        _ = Task.Run(RecoverAsync);
    }

    private async Task RecoverAsync()
    {
        // End the old session first: RabbitMQ keeps a detached link's unsettled messages on the session (its
        // channel) and only requeues them when that ends.
        Session? old;
        lock (_gate)
        {
            old = _session;
            _session = null;
        }

        await CloseAsync(old).ConfigureAwait(false);
        var connectionLost = false;
        try
        {
            await RetryLoop.RunAsync(
                async (_, token) =>
                {
                    await AttachAsync(token).ConfigureAwait(false);
                    return true;
                },
                new Backoff(_options.RecoveryInterval, _options.MaxRecoveryInterval),
                (exception, attempt, wait) =>
                {
                    if (exception is ObjectDisposedException)
                    {
                        return false;
                    }

                    // A broker that shuts down detaches the links before it closes the connection: an attach on
                    // that dying connection fails, and backing off for it would leave the listener idle long after
                    // the broker is back (measured: 33.7 s). Then only pace briefly; the next attempt waits for the
                    // recovered connection (a signal, no timer). Backing off is for a broker that refuses the link.
                    connectionLost = _connection.Current is null;
                    if (!connectionLost)
                    {
                        _health?.Cancelled($"the receiver link could not be re-attached: {exception.Message}");
                    }

                    Log.AttachFailed(_logger, exception, _listener.Queue, attempt, connectionLost ? ConnectionLostPause : wait);
                    return true;
                },
                _stopping.Token,
                (wait, token) => Task.Delay(connectionLost ? ConnectionLostPause : wait, token)).ConfigureAwait(false);
            _health?.Restored();
            Log.Reattached(_logger, _listener.Queue);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // Disposed while recovering.
        }
    }

    // Between the broker's detach and the connection's close event; long enough not to spin meanwhile.
    private static readonly TimeSpan ConnectionLostPause = TimeSpan.FromMilliseconds(50);

    private static Task CloseAsync(Session? session) => AmqpClose.QuietlyAsync(session, TimeSpan.FromSeconds(5));
}
