using System.Diagnostics;
using Eventing.Retry;

namespace Eventing.Providers;

/// <summary>
/// The one connection of a provider, or of one part of it, kept open: callers wait for it with
/// <see cref="WaitAsync"/>; when the provider reports it lost (<see cref="Lost"/>), callers wait again while the
/// keeper reconnects through <see cref="RetryLoop"/>, pausing a <see cref="Backoff"/> before the first try too (a broker
/// that just dropped the connection is rarely back at once, and the jitter keeps its clients from returning in step).
/// A provider connects, watches a connection for its end, closes it and logs; the state and the loop are written here.
/// </summary>
/// <typeparam name="TConnection">The protocol client's connection.</typeparam>
internal abstract class ConnectionKeeper<TConnection> : IAsyncDisposable
    where TConnection : class
{
    // A published connection that closed before the provider reported it: wait a moment rather than spin on it.
    private static readonly TimeSpan ClosedConnectionPause = TimeSpan.FromMilliseconds(20);

    private readonly TimeSpan _initialDelay;
    private readonly ProviderHealth? _health;
    private readonly TimeSpan _maxDelay;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private TaskCompletionSource<TConnection> _ready = NewReady();

    // Completed when a caller needs the connection now (a send) during an outage: recovery then tries every
    // initial delay instead of backing off, so the send resumes as soon as the broker is back rather than up to the
    // maximum delay later (longer than a short send timeout). Receivers do not set it, so idle consumers still back
    // off from a broker that is restarting. New with each outage.
    private TaskCompletionSource _demand = NewDemand();
    private TConnection? _current;
    private Task _recovery = Task.CompletedTask;
    private bool _closed;
    private int _outages;

    /// <summary>Creates the keeper; nothing connects until the provider publishes its first connection.</summary>
    /// <param name="initialDelay">The first wait before a reconnect try, and the spacing of tries a waiting send asks for.</param>
    /// <param name="maxDelay">The longest wait between reconnect tries.</param>
    /// <param name="health">Where the keeper reports each connection opened and lost, for health checks and metrics.</param>
    protected ConnectionKeeper(TimeSpan initialDelay, TimeSpan maxDelay, ProviderHealth? health = null)
    {
        _health = health;
        _initialDelay = initialDelay;
        _maxDelay = maxDelay;
        Closing = _closing.Token;
    }

    /// <summary>The broker's address, every node of a cluster, password masked: for logs and errors.</summary>
    public abstract string Endpoint { get; }

    /// <summary>The open connection, or null while it is being recovered or after the keeper was closed.</summary>
    public TConnection? Current
    {
        get
        {
            var ready = Volatile.Read(ref _ready).Task;
            return ready.IsCompletedSuccessfully && IsOpen(ready.Result) ? ready.Result : null;
        }
    }

    /// <summary>How often the connection was lost since the keeper started.</summary>
    public int Outages => Volatile.Read(ref _outages);

    /// <summary>Cancelled when the keeper closes: ends a connect, a pause or a watch.</summary>
    protected CancellationToken Closing { get; }

    /// <summary>The open connection, waiting up to <paramref name="wait"/> while it is being recovered.</summary>
    /// <param name="urgent">A send is waiting: recovery stops backing off (see the class remarks).</param>
    /// <param name="wait">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> for as long as it takes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No connection within <paramref name="wait"/>.</exception>
    /// <exception cref="ObjectDisposedException">The keeper was closed.</exception>
    public ValueTask<TConnection> WaitAsync(bool urgent, TimeSpan wait, CancellationToken cancellationToken)
    {
        var current = Current;
        return current is not null ? new(current) : new(WaitSlowAsync(urgent, wait, cancellationToken));
    }

    /// <summary>Stops recovering and closes the connection, giving it <paramref name="timeout"/> to close politely.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        TConnection? current;
        Task recovery;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            current = _current;
            _current = null;
            recovery = _recovery;
            // Callers waiting on the outage's task fail with it; later callers, on a failed one.
            var closed = new ObjectDisposedException(GetType().Name, $"The connection to {Endpoint} was closed.");
            if (!_ready.TrySetException(closed))
            {
                _ready = NewReady();
                _ready.SetException(closed);
            }
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await recovery.ConfigureAwait(false);
        if (current is not null)
        {
            await CloseConnectionAsync(current, timeout).ConfigureAwait(false);
        }
    }

    /// <summary>Closes with a 5-second polite close.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _closing.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Hands <paramref name="connection"/> to callers and starts watching it; the provider's first connect ends here.</summary>
    /// <exception cref="ObjectDisposedException">The keeper was closed meanwhile; the connection is closed.</exception>
    protected void Publish(TConnection connection)
    {
        lock (_gate)
        {
            if (_closed)
            {
                _ = CloseConnectionAsync(connection, TimeSpan.Zero);
                throw new ObjectDisposedException(GetType().Name, $"The connection to {Endpoint} was closed.");
            }

            _current = connection;
            if (!_ready.TrySetResult(connection))
            {
                _ready = NewReady();
                _ready.SetResult(connection);
            }
        }

        _health?.Connected(Endpoint);

        // After publishing: a connection that already died reports itself now, and recovery starts.
        Watch(connection);
    }

    /// <summary>
    /// The provider saw <paramref name="connection"/> end (from any thread): callers wait again and recovery starts.
    /// Returns false, and does nothing, when it is not the current connection or the keeper is closed, so the
    /// provider logs a loss once.
    /// </summary>
    protected bool Lost(TConnection connection)
    {
        lock (_gate)
        {
            if (_closed || !ReferenceEquals(_current, connection))
            {
                return false;
            }

            _current = null;
            _outages++;
            _health?.Disconnected("the connection was lost; reconnecting");
            if (_ready.Task.IsCompleted)
            {
                _ready = NewReady();
                _demand = NewDemand();
            }

            _recovery = Task.Run(RecoverAsync, CancellationToken.None);
            return true;
        }
    }

    /// <summary>One try to connect: every node of a cluster in turn, and whatever a new connection needs before use.</summary>
    protected abstract Task<TConnection> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Arranges for <see cref="Lost"/> to be called when <paramref name="connection"/> ends.</summary>
    protected abstract void Watch(TConnection connection);

    /// <summary>Closes <paramref name="connection"/>, politely within <paramref name="timeout"/> where the protocol can; never throws.</summary>
    protected abstract Task CloseConnectionAsync(TConnection connection, TimeSpan timeout);

    /// <summary>Logs a failed reconnect try and the wait before the next.</summary>
    protected abstract void OnReconnectFailed(Exception exception, int attempt, TimeSpan wait);

    /// <summary>Logs the recovery.</summary>
    protected abstract void OnReconnected(TConnection connection, int attempts);

    /// <summary>Whether a published connection can still be used; a provider that knows before it reports the loss says so.</summary>
    protected virtual bool IsOpen(TConnection connection) => true;

    private async Task<TConnection> WaitSlowAsync(bool urgent, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var ready = Volatile.Read(ref _ready).Task;
            if (urgent && !ready.IsCompleted)
            {
                Volatile.Read(ref _demand).TrySetResult();
            }

            var remaining = wait == Timeout.InfiniteTimeSpan ? wait : TimeSpan.FromTicks(Math.Max(0, (wait - Stopwatch.GetElapsedTime(started)).Ticks));
            var connection = await ready.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            if (IsOpen(connection))
            {
                return connection;
            }

            await Task.Delay(ClosedConnectionPause, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecoverAsync()
    {
        var backoff = new Backoff(_initialDelay, _maxDelay);
        var tries = 0;
        try
        {
            await PauseAsync(backoff.Next(), Closing).ConfigureAwait(false);
            var connection = await RetryLoop.RunAsync(
                (attempt, token) =>
                {
                    tries = attempt;
                    return ConnectAsync(token);
                },
                backoff,
                (exception, attempt, wait) =>
                {
                    if (exception is ObjectDisposedException)
                    {
                        return false;
                    }

                    OnReconnectFailed(exception, attempt, wait);
                    return true;
                },
                Closing,
                PauseAsync).ConfigureAwait(false);
            Publish(connection);
            OnReconnected(connection, tries);
        }
        catch (Exception) when (_closing.IsCancellationRequested)
        {
            // Closed while recovering.
        }
        catch (ObjectDisposedException)
        {
            // Closed while recovering.
        }
    }

    // The wait between tries, cut short when a send needs the connection now; the initial delay still separates tries.
    private async Task PauseAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var demand = Volatile.Read(ref _demand).Task;
        if (!demand.IsCompleted && await Task.WhenAny(Task.Delay(wait, cancellationToken), demand).ConfigureAwait(false) != demand)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        await Task.Delay(Backoff.Jitter(_initialDelay), cancellationToken).ConfigureAwait(false);
    }

    private static TaskCompletionSource<TConnection> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource NewDemand() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
