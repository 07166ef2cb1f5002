using System.Net.Sockets;
using System.Security.Authentication;
using Eventing.Retry;
using Eventing.Stomp.Client.Diagnostics;
using Eventing.Stomp.Client.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// A connection that comes back: after the first connect it watches the connection and, when it dies, reconnects
/// (<see cref="RetryLoop"/> with the core's <see cref="Backoff"/>), then runs <c>onConnected</c> (a subscription re-SUBSCRIBEs there) before
/// handing the new connection to callers. Callers wait for a connection at most as long as they choose. With
/// several endpoints (a cluster) each attempt tries them all in turn, so a lost node is replaced by the next at once.
/// </summary>
internal sealed class StompSession : IAsyncDisposable
{
    private readonly StompEndpoints _endpoint;
    private readonly ILogger _logger;
    private readonly Action<StompConnection, StompFrame>? _onMessage;
    private readonly Func<StompConnection, CancellationToken, Task>? _onConnected;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<StompConnection> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StompConnection? _current;
    private Task _monitor = Task.CompletedTask;

    public StompSession(
        StompEndpoints endpoint,
        ILogger logger,
        Action<StompConnection, StompFrame>? onMessage = null,
        Func<StompConnection, CancellationToken, Task>? onConnected = null)
    {
        _endpoint = endpoint;
        _logger = logger;
        _onMessage = onMessage;
        _onConnected = onConnected;
    }

    /// <summary>The open connection, or null while reconnecting.</summary>
    public StompConnection? Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return current is { IsOpen: true } ? current : null;
        }
    }

    /// <summary>Connects for the first time; fails fast with a clear error instead of retrying.</summary>
    /// <exception cref="BrokerUnreachableException">The broker cannot be reached or refused the connection.</exception>
    public async Task<StompConnection> StartAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
        Publish(connection);
        _monitor = Task.Run(() => MonitorAsync(connection), CancellationToken.None);
        return connection;
    }

    /// <summary>Returns the open connection, waiting up to <paramref name="wait"/> while the session reconnects.</summary>
    /// <exception cref="BrokerUnreachableException">No connection within <paramref name="wait"/>.</exception>
    public ValueTask<StompConnection> GetConnectionAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var current = Current;
        return current is not null ? new(current) : new(WaitForConnectionAsync(wait, cancellationToken));
    }

    /// <summary>Stops reconnecting and closes the connection politely (DISCONNECT, then wait for its receipt).</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        var current = Volatile.Read(ref _current);
        if (current is not null)
        {
            await current.DisconnectAsync(timeout).ConfigureAwait(false);
        }

        try
        {
            await _monitor.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            _ready.TrySetException(new ObjectDisposedException(nameof(StompSession), $"The STOMP session to {_endpoint} is closed."));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _disposed.Dispose();
    }

    /// <summary>
    /// Connects once to the first node of a round that answers, without a session around the connection (tools
    /// that need one connection for a moment).
    /// </summary>
    /// <exception cref="BrokerUnreachableException">No node could be reached, or the broker refused the connection.</exception>
    public static Task<StompConnection> ConnectAsync(
        StompEndpoints endpoints, Action<StompConnection, StompFrame>? onMessage, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // Each node of the round in turn; an ERROR frame (credentials, virtual host) would be the same on every one.
        return endpoints.Nodes.ConnectAsync(
            async (node, token) =>
            {
                try
                {
                    return await StompConnection.ConnectAsync(node, onMessage, logger, token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    throw Unreachable(node, endpoints.Nodes.All.Count > 1 ? endpoints : null, exception);
                }
            },
            static failure => failure.InnerException is StompErrorFrameException,
            (node, failure) => Log.NodeUnreachable(logger, node.Display, failure.InnerException?.Message ?? failure.Message),
            cancellationToken);
    }

    private static BrokerUnreachableException Unreachable(StompEndpoint endpoint, StompEndpoints? cluster, Exception exception)
    {
        var reason = exception switch
        {
            StompErrorFrameException error => "the broker refused the connection: " + (error.BrokerMessage ?? error.Message) + ". Check the login, passcode and virtual host (StompProviderOptions.Uri, StompProviderOptions.Host)",
            SocketException socket => socket.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : socket.Message,
            TimeoutException => $"no answer within {endpoint.ConnectTimeout.TotalSeconds:0.#} s",
            AuthenticationException tls => "TLS failed: " + tls.Message,
            _ => exception.Message,
        };
        return new BrokerUnreachableException(
            cluster?.Display ?? endpoint.Display,
            cluster is null
                ? $"Could not connect to the STOMP broker at {endpoint} ({reason}). {CheckBroker(endpoint)}"
                : $"Could not connect to any of the STOMP brokers at {cluster} (the last, {endpoint}: {reason}). {CheckBroker(endpoint)}",
            exception);
    }

    // What a user can check on their own broker; never a pointer at this repository's development scripts.
    private static string CheckBroker(StompEndpoint endpoint) =>
        $"Check that the broker is running, that its STOMP listener (ActiveMQ transportConnector stomp, RabbitMQ plugin rabbitmq_stomp) accepts connections on {endpoint.HostName}:{endpoint.Port}, and that a firewall or TLS setting (stomp+ssl://) does not block it.";

    private async Task<StompConnection> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(_endpoint, _onMessage, _logger, cancellationToken).ConfigureAwait(false);

        if (_onConnected is not null)
        {
            try
            {
                await _onConnected(connection, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.CloseAsync(null).ConfigureAwait(false);
                throw;
            }
        }

        return connection;
    }

    private void Publish(StompConnection connection)
    {
        lock (_gate)
        {
            Volatile.Write(ref _current, connection);
            _ready.TrySetResult(connection);
        }
    }

    private async Task<StompConnection> WaitForConnectionAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            Task<StompConnection> ready;
            lock (_gate)
            {
                ready = _ready.Task;
            }

            var remaining = wait - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            try
            {
                var connection = await ready.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                if (connection.IsOpen)
                {
                    return connection;
                }
            }
            catch (TimeoutException exception)
            {
                throw new BrokerUnreachableException(
                    _endpoint.Display,
                    $"The STOMP broker at {_endpoint} has been unreachable for {wait.TotalSeconds:0.#} s (StompProviderOptions.SendTimeout); the provider keeps reconnecting. {CheckBroker(_endpoint.Nodes.All[0])}",
                    exception);
            }

            // The published connection already closed and the monitor has not replaced it yet. Looping at once on
            // the same completed task recursed until the stack overflowed during a broker restart: wait a moment.
            await Task.Delay(ClosedConnectionPause, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan ClosedConnectionPause = TimeSpan.FromMilliseconds(20);

    private async Task MonitorAsync(StompConnection connection)
    {
        var token = _disposed.Token;
        while (!token.IsCancellationRequested)
        {
            var reason = await connection.Closed.WaitAsync(token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                return;
            }

            lock (_gate)
            {
                if (_ready.Task.IsCompleted)
                {
                    _ready = new TaskCompletionSource<StompConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            Log.ConnectionLost(_logger, reason, connection.Endpoint.Display);
            connection = await ReconnectAsync(token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                await connection.CloseAsync(null).ConfigureAwait(false);
                return;
            }

            Publish(connection);
        }
    }

    private async Task<StompConnection> ReconnectAsync(CancellationToken cancellationToken)
    {
        var options = _endpoint.Options;
        var backoff = new Backoff(options.ReconnectMinDelay, options.ReconnectMaxDelay);

        // A pause before the first attempt too: the broker that just dropped the connection is rarely back at once,
        // and the jitter keeps the clients it dropped from coming back in step.
        await Task.Delay(backoff.Next(), cancellationToken).ConfigureAwait(false);
        return await RetryLoop.RunAsync(
            async (attempt, token) =>
            {
                var connection = await ConnectOnceAsync(token).ConfigureAwait(false);
                Log.Reconnected(_logger, connection.Endpoint.Display, attempt);
                return connection;
            },
            backoff,
            (exception, attempt, wait) =>
            {
                Log.ReconnectFailed(_logger, exception, attempt, _endpoint.Display, wait);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }
}
