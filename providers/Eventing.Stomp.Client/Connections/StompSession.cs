using System.Net.Sockets;
using System.Security.Authentication;
using Eventing.Providers;
using Eventing.Stomp.Client.Diagnostics;
using Eventing.Stomp.Client.Protocol;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// A connection that comes back: after the first connect the core's <see cref="ConnectionKeeper{TConnection}"/>
/// watches it and, when it dies, reconnects, running <c>onConnected</c> (a subscription re-SUBSCRIBEs there) before
/// handing the new connection to callers. Callers wait for a connection at most as long as they choose. With
/// several endpoints (a cluster) each attempt tries them all in turn, so a lost node is replaced by the next at once.
/// </summary>
internal sealed class StompSession : ConnectionKeeper<StompConnection>
{
    private readonly StompEndpoints _endpoint;
    private readonly ILogger _logger;
    private readonly Action<StompConnection, StompFrame>? _onMessage;
    private readonly Func<StompConnection, CancellationToken, Task>? _onConnected;
    private readonly Action<Exception?>? _onLost;

    public StompSession(
        StompEndpoints endpoint,
        ILogger logger,
        Action<StompConnection, StompFrame>? onMessage = null,
        Func<StompConnection, CancellationToken, Task>? onConnected = null,
        Action<Exception?>? onLost = null,
        ProviderHealth? health = null)
        : base(endpoint.Options.ReconnectMinDelay, endpoint.Options.ReconnectMaxDelay, health)
    {
        _onLost = onLost;
        _endpoint = endpoint;
        _logger = logger;
        _onMessage = onMessage;
        _onConnected = onConnected;
    }

    public override string Endpoint => _endpoint.Display;

    /// <summary>Connects for the first time; fails fast with a clear error instead of retrying.</summary>
    /// <exception cref="BrokerUnreachableException">The broker cannot be reached or refused the connection.</exception>
    public async Task<StompConnection> StartAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        Publish(connection);
        return connection;
    }

    /// <summary>Returns the open connection, waiting up to <paramref name="wait"/> while the session reconnects.</summary>
    /// <exception cref="BrokerUnreachableException">No connection within <paramref name="wait"/>.</exception>
    public ValueTask<StompConnection> GetConnectionAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var current = Current;
        return current is not null ? new(current) : WaitForConnectionAsync(wait, cancellationToken);
    }

    private async ValueTask<StompConnection> WaitForConnectionAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            return await WaitAsync(urgent: true, wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new BrokerUnreachableException(
                _endpoint.Display,
                $"The STOMP broker at {_endpoint} has been unreachable for {wait.TotalSeconds:0.#} s (StompProviderOptions.SendTimeout); the provider keeps reconnecting. {CheckBroker(_endpoint.Nodes.All[0])}",
                exception);
        }
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

    protected override async Task<StompConnection> ConnectAsync(CancellationToken cancellationToken)
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

    protected override void Watch(StompConnection connection) => _ = WatchAsync(connection, Closing);

    private async Task WatchAsync(StompConnection connection, CancellationToken closing)
    {
        Exception? reason;
        try
        {
            reason = await connection.Closed.WaitAsync(closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (Lost(connection))
        {
            Log.ConnectionLost(_logger, reason, connection.Endpoint.Display);
            _onLost?.Invoke(reason);
        }
    }

    protected override bool IsOpen(StompConnection connection) => connection.IsOpen;

    protected override Task CloseConnectionAsync(StompConnection connection, TimeSpan timeout) =>
        timeout > TimeSpan.Zero ? connection.DisconnectAsync(timeout) : connection.CloseAsync(null);

    protected override void OnReconnectFailed(Exception exception, int attempt, TimeSpan wait) =>
        Log.ReconnectFailed(_logger, exception, attempt, _endpoint.Display, wait);

    protected override void OnReconnected(StompConnection connection, int attempts) =>
        Log.Reconnected(_logger, connection.Endpoint.Display, attempts);
}
