using System.Collections.Concurrent;
using System.Globalization;
using Eventing.Providers;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Hosting;
using Eventing.Retry;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq.Connections;

/// <summary>
/// The provider's connections, each automatically recovering on one of the cluster's nodes: the publishing
/// connection, one per listener (<see cref="OpenListenerAsync"/>), and a sentinel connection that only
/// heartbeats. When the sentinel sees the broker go and the publishing connection does not, that connection is
/// replaced (see WatchForWedgeAsync).
/// </summary>
internal sealed class RabbitMqConnection : IAsyncDisposable
{
    private static readonly TimeSpan WedgeGrace = TimeSpan.FromSeconds(1);

    private readonly RabbitMqProviderOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private IConnection? _connection;
    private IConnection? _sentinel;
    private int _replacing;

    // The connections that are down now, with why: the provider is only connected while every connection it sends
    // or consumes on is. Under a lock, so a recovery and a loss on two connections cannot report out of order.
    private readonly Dictionary<IConnection, string> _down = [];
    private readonly Lock _healthGate = new();
    private readonly ConcurrentDictionary<IConnection, ConnectionHandlers> _handlers = new();

    // Completed while the publishing connection is up; replaced by a pending one when it is lost, completed again
    // once RabbitMQ.Client recovered it (or it was replaced). Fresh publish channels are only opened on a connection that is back.
    private volatile TaskCompletionSource _available = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RabbitMqConnection(RabbitMqProviderOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _available.SetResult();
        Endpoint = string.Join(", ", EndpointList.Collect(options.Uri, options.Endpoints).Select(uri => RabbitMqEndpoint.Describe(uri, options.UserName)));
        Health = new ProviderHealth(Endpoint);
    }

    /// <summary>The publishing connection's and the listeners' connections' state, and the listeners' consumers.</summary>
    public ProviderHealth Health { get; }

    /// <summary>The nodes, for logs and errors (passwords masked).</summary>
    public string Endpoint { get; }

    /// <summary>The publishing connection; null before start and after stop.</summary>
    public IConnection? Publishing => _connection;

    /// <summary>Completed while the publishing connection is up.</summary>
    public Task Available => _available.Task;

    /// <summary>Raised when the publishing connection was lost or abandoned: the channels on it are dead.</summary>
    public event Action? Lost;

    /// <summary>
    /// Connects the publishing connection and then the sentinel, within <see cref="RabbitMqProviderOptions.ConnectTimeout"/>
    /// in all; <paramref name="prepare"/> opens what the provider needs on the publishing connection first.
    /// </summary>
    public async Task StartAsync(Func<IConnection, CancellationToken, Task> prepare, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var connection = await ConnectAsync(null, timeout.Token, cancellationToken).ConfigureAwait(false);
        try
        {
            Attach(connection);
            await prepare(connection, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _connection = connection;
        var node = NodeOf(connection);
        Log.Connected(_logger, node, _options.ExchangeName, _options.QueueType);

        // A connection that only heartbeats: it notices at once when the broker goes away, also when the publishing
        // connection does not (see WatchForWedgeAsync).
        _sentinel = await ConnectAsync("(watch)", timeout.Token, cancellationToken).ConfigureAwait(false);
        _sentinel.ConnectionShutdownAsync += OnSentinelShutdownAsync;
        Health.Connected();
    }

    /// <summary>A recovering connection of a listener's own, named after its queue, within <see cref="RabbitMqProviderOptions.ConnectTimeout"/>.</summary>
    public async Task<IConnection> OpenListenerAsync(string queue, CancellationToken cancellationToken)
    {
        var connection = await ConnectWithinTimeoutAsync(queue, cancellationToken).ConfigureAwait(false);
        Attach(connection);
        return connection;
    }

    /// <summary>Closes a listener's connection on purpose (bounded): it no longer counts for the provider's health.</summary>
    public async Task CloseListenerAsync(IConnection connection)
    {
        Detach(connection);
        Report(connection, down: null);
        await CloseQuietlyAsync(connection, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    public InvalidOperationException NotStarted() => new($"The RabbitMQ provider for {Endpoint} is not started (or already stopped).");

    public async Task StopAsync()
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Detach(connection);
        lock (_healthGate)
        {
            _down.Clear();
            Health.Disconnected("the provider stopped");
        }

        if (Interlocked.Exchange(ref _sentinel, null) is { } sentinel)
        {
            sentinel.ConnectionShutdownAsync -= OnSentinelShutdownAsync;
            await CloseQuietlyAsync(sentinel, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        // Bounded: a broker that is down must not hold up the host's shutdown.
        await CloseQuietlyAsync(connection, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    public static async Task CloseQuietlyAsync(IConnection connection, TimeSpan timeout)
    {
        try
        {
            await connection.CloseAsync(Constants.ReplySuccess, "Eventing stopped", timeout, abort: true).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Abandoned: whatever it throws on the way out changes nothing.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Opens a connection to one of the nodes, named after the process (and the listener's queue, for a listener's own).</summary>
    private async Task<IConnection> ConnectAsync(string? listenerQueue, CancellationToken timeout, CancellationToken cancellationToken)
    {
        var factory = RabbitMqConnectionFactory.Create(_options);
        var name = listenerQueue is null ? factory.ClientProvidedName : $"{factory.ClientProvidedName} {listenerQueue}";
        try
        {
            return await factory.CreateConnectionAsync(RabbitMqConnectionFactory.Nodes(factory, _options), name, timeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable("no answer", null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw Translate(exception);
        }
    }

    private async Task<IConnection> ConnectWithinTimeoutAsync(string? listenerQueue, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        return await ConnectAsync(listenerQueue, timeout.Token, cancellationToken).ConfigureAwait(false);
    }

    private BrokerUnreachableException Translate(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationFailureException or PossibleAuthenticationFailureException)
            {
                return new BrokerUnreachableException(Endpoint,
                    $"RabbitMQ at {Endpoint} refused the credentials ({inner.Message}). " +
                    "Check the user and password in RabbitMqProviderOptions.Uri (or UserName and Password) and the user's permissions on the virtual host.",
                    exception);
            }
        }

        return Unreachable(exception.InnerException?.Message ?? exception.Message, exception);
    }

    private BrokerUnreachableException Unreachable(string reason, Exception? inner) =>
        new(Endpoint, string.Create(CultureInfo.InvariantCulture,
            $"could not connect to RabbitMQ at {Endpoint} within {_options.ConnectTimeout.TotalSeconds:0.#} s ({reason}). Check that the broker is running and listens on that host and port (RabbitMqProviderOptions.Uri), and that no firewall or TLS setting stands between."),
            inner);

    private string NodeOf(IConnection connection) =>
        RabbitMqEndpoint.Describe(new UriBuilder(_options.Uri) { Host = connection.Endpoint.HostName, Port = connection.Endpoint.Port }.Uri, _options.UserName);

    // The same handlers serve the publishing connection and the listeners' ones; only the publishing connection
    // carries the availability signal and the channels the send path opens. Each connection gets handlers that know
    // it: RabbitMQ.Client raises some events with its inner connection as the sender, not the recovering one we hold,
    // and the health bookkeeping must recognise the connection that recovered as the one that was lost.
    private void Attach(IConnection connection)
    {
        var handlers = new ConnectionHandlers(this, connection);
        _handlers[connection] = handlers;
        connection.ConnectionShutdownAsync += handlers.OnShutdownAsync;
        connection.RecoverySucceededAsync += handlers.OnRecoveredAsync;
        connection.ConnectionRecoveryErrorAsync += handlers.OnRecoveryErrorAsync;
    }

    private void Detach(IConnection connection)
    {
        if (_handlers.TryRemove(connection, out var handlers))
        {
            connection.ConnectionShutdownAsync -= handlers.OnShutdownAsync;
            connection.RecoverySucceededAsync -= handlers.OnRecoveredAsync;
            connection.ConnectionRecoveryErrorAsync -= handlers.OnRecoveryErrorAsync;
        }
    }

    private void OnShutdown(IConnection connection, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            if (ReferenceEquals(connection, _connection))
            {
                // From now on sends wait for the recovery signal instead of failing at once.
                MarkLost();
            }

            Report(connection, args.ReplyText);
            Log.ConnectionLost(_logger, Endpoint, args.ReplyText);
        }
    }

    private void Recovered(IConnection connection)
    {
        var node = NodeOf(connection);
        Log.Recovered(_logger, node);
        Report(connection, down: null);
        if (ReferenceEquals(connection, _connection))
        {
            _available.TrySetResult();
        }
    }

    private void RecoveryFailed(IConnection connection, ConnectionRecoveryErrorEventArgs args)
    {
        // Still down: the reason now is why reconnecting failed.
        Report(connection, "reconnecting failed: " + args.Exception.Message);
        Log.RecoveryFailed(_logger, args.Exception, Endpoint);
    }

    /// <summary>Records <paramref name="connection"/> as down for <paramref name="down"/>, or up (or gone) when null, and reports the provider's state.</summary>
    private void Report(IConnection connection, string? down)
    {
        lock (_healthGate)
        {
            if (down is not null)
            {
                _down[connection] = down;
                Health.Disconnected(down);
            }
            else if (_down.Remove(connection) && _down.Count == 0 && _connection is not null)
            {
                Health.Connected();
            }
        }
    }

    private void MarkLost()
    {
        if (_available.Task.IsCompleted)
        {
            _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The publish channels die with the connection; what they had not confirmed is sent again on fresh ones.
        Lost?.Invoke();
    }

    private Task OnSentinelShutdownAsync(object sender, ShutdownEventArgs args)
    {
        // Only the node the sentinel was on went away: on a cluster the publishing connection may be elsewhere.
        if (args.Initiator != ShutdownInitiator.Application && _connection is { } publishing && sender is IConnection sentinel &&
            string.Equals(sentinel.Endpoint.HostName, publishing.Endpoint.HostName, StringComparison.OrdinalIgnoreCase) &&
            sentinel.Endpoint.Port == publishing.Endpoint.Port)
        {
            _ = WatchForWedgeAsync(publishing);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Replaces the publishing connection when the broker went away but the connection did not notice. RabbitMQ.Client
    /// 7.2 queues at most 128 outgoing frames per connection; when its write loop dies with the socket while many
    /// publishes are in flight, the queue fills, the reader blocks on its next write (the close handshake) and the
    /// connection only fails after three missed heartbeats (30 s with the default): sends would pause that long
    /// after a broker restart. The sentinel connection has nothing to write, so it always notices; if the publishing
    /// connection still claims to be open a moment later, it is abandoned and a new one opened.
    /// </summary>
    private async Task WatchForWedgeAsync(IConnection publishing)
    {
        try
        {
            await Task.Delay(WedgeGrace, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!ReferenceEquals(publishing, _connection) || !publishing.IsOpen || Interlocked.Exchange(ref _replacing, 1) != 0)
        {
            return;
        }

        Log.PublishConnectionWedged(_logger, Endpoint);
        MarkLost();
        Report(publishing, "the broker went away");
        Detach(publishing);
        _ = CloseQuietlyAsync(publishing, TimeSpan.FromSeconds(1));
        try
        {
            // Paced like RabbitMQ.Client's own recovery: RecoveryInterval before the first try and between tries.
            await Task.Delay(_options.RecoveryInterval, _stopping.Token).ConfigureAwait(false);
            var fresh = await RetryLoop.RunAsync(
                (_, cancellationToken) => ConnectWithinTimeoutAsync(null, cancellationToken),
                new Backoff(_options.RecoveryInterval, _options.RecoveryInterval),
                (exception, _, _) =>
                {
                    Log.RecoveryFailed(_logger, exception, Endpoint);
                    return true;
                },
                _stopping.Token).ConfigureAwait(false);
            Attach(fresh);
            if (Interlocked.CompareExchange(ref _connection, fresh, publishing) != publishing)
            {
                // Stopped meanwhile.
                Detach(fresh);
                await CloseQuietlyAsync(fresh, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                return;
            }

            // The abandoned connection counts no more; the fresh one is up.
            Report(publishing, down: null);
            Recovered(fresh);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped while replacing.
        }
        finally
        {
            Volatile.Write(ref _replacing, 0);
        }
    }

    /// <summary>The event handlers of one connection, so every event names the connection we attached to.</summary>
    private sealed class ConnectionHandlers(RabbitMqConnection owner, IConnection connection)
    {
        public Task OnShutdownAsync(object sender, ShutdownEventArgs args)
        {
            owner.OnShutdown(connection, args);
            return Task.CompletedTask;
        }

        public Task OnRecoveredAsync(object sender, AsyncEventArgs args)
        {
            owner.Recovered(connection);
            return Task.CompletedTask;
        }

        public Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs args)
        {
            owner.RecoveryFailed(connection, args);
            return Task.CompletedTask;
        }
    }
}
