using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Eventing.Amqp.Diagnostics;
using Eventing.Amqp.Hosting;
using Eventing.Providers;
using Eventing.Retry;
using Microsoft.Extensions.Logging;
using AmqpConnectionObject = Amqp.Connection;

namespace Eventing.Amqp.Connections;

/// <summary>
/// The one connection of a provider: connects at start, reports a lost connection to the core's
/// <see cref="ConnectionKeeper{TConnection}"/>, which reconnects; senders and receivers wait for it with
/// <see cref="ConnectionKeeper{TConnection}.WaitAsync"/> and re-create their sessions and links on a new connection themselves.
/// </summary>
internal sealed class AmqpConnection : ConnectionKeeper<AmqpConnectionObject>
{
    private readonly AmqpProviderOptions _options;
    private readonly ILogger _logger;
    private readonly FailoverEndpoints<Node> _nodes;
    private readonly ConnectionFactory _factory;
    private string _currentNode;

    public AmqpConnection(AmqpProviderOptions options, ILogger logger)
        : this(options, logger, new ProviderHealth(Describe(options)))
    {
    }

    // The health is made before the base constructor runs, so the keeper reports every connection opened and lost to it.
    private AmqpConnection(AmqpProviderOptions options, ILogger logger, ProviderHealth health)
        : base(options.RecoveryInterval, options.MaxRecoveryInterval, health)
    {
        Health = health;
        _options = options;
        _logger = logger;
        var uri = options.Uri;
        var user = options.UserName ?? AmqpEndpoint.UserFrom(uri);
        var password = options.Password ?? AmqpEndpoint.PasswordFrom(uri);
        var tls = options.Tls.Enabled ?? AmqpEndpoint.UsesTls(uri);
        // With a user name AMQPNetLite authenticates with SASL PLAIN; without, we ask for ANONYMOUS explicitly
        // because brokers such as RabbitMQ insist on a SASL layer. Every node of a cluster is reached with the
        // credentials and TLS setting of Uri.
        _nodes = new FailoverEndpoints<Node>(
            EndpointList.Collect(uri, options.Endpoints).Select(node => new Node(
                new Address(node.Host, AmqpEndpoint.Port(node), user, password, "/", tls ? "AMQPS" : "AMQP"),
                AmqpEndpoint.Describe(EndpointList.OnNode(uri, node), options.UserName))),
            options.EndpointOrder);
        Endpoint = string.Join(", ", _nodes.All.Select(node => node.Display));
        _currentNode = _nodes.All[0].Display;
        _factory = new ConnectionFactory();
        if (user is null)
        {
            _factory.SASL.Profile = SaslProfile.Anonymous;
        }

        _factory.AMQP.ContainerId = options.ContainerId ?? $"eventing-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        _factory.AMQP.IdleTimeout = (int)Math.Min(int.MaxValue, options.IdleTimeout.TotalMilliseconds);
        _factory.AMQP.MaxSessionsPerConnection = 1024;
        if (tls)
        {
            ConfigureTls(_factory.SSL, options.Tls);
        }
    }

    public override string Endpoint { get; }

    /// <summary>The connection as the keeper last saw it, and the consumers the subscriptions register on it.</summary>
    public ProviderHealth Health { get; }

    /// <summary>Every node of <paramref name="options"/>, passwords masked, as <see cref="Endpoint"/> names them.</summary>
    private static string Describe(AmqpProviderOptions options) => string.Join(", ",
        EndpointList.Collect(options.Uri, options.Endpoints).Select(node => AmqpEndpoint.Describe(EndpointList.OnNode(options.Uri, node), options.UserName)));

    /// <summary>Connects, retrying until <see cref="AmqpProviderOptions.ConnectTimeout"/>; refused credentials fail at once.</summary>
    /// <exception cref="BrokerUnreachableException">No connection within the timeout, or the credentials were refused.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Closing);
        timeout.CancelAfter(_options.ConnectTimeout);
        Exception? last = null;
        try
        {
            var connection = await RetryLoop.RunAsync(
                (_, ct) => ConnectAsync(ct),
                new Backoff(_options.RecoveryInterval, _options.MaxRecoveryInterval),
                (exception, _, _) =>
                {
                    last = exception;
                    return !IsRefusedCredentials(exception);
                },
                timeout.Token).ConfigureAwait(false);
            Publish(connection);
            Log.Connected(_logger, Volatile.Read(ref _currentNode));
        }
        catch (AmqpException exception) when (IsRefusedCredentials(exception))
        {
            throw new BrokerUnreachableException(Endpoint,
                $"The broker at {Endpoint} refused the credentials ({exception.Error?.Description}). Check AmqpProviderOptions.Uri, UserName and Password.",
                exception);
        }
        catch (Exception exception) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The connect timeout (or Dispose) ended the tries, during a pause or during a try.
            last ??= exception is OperationCanceledException ? null : exception;
            throw new BrokerUnreachableException(Endpoint,
                $"Could not connect to {Endpoint} within {_options.ConnectTimeout.TotalSeconds:0.#} s ({Reason(last)}). Check that the broker is running and listens on that host and port (AmqpProviderOptions.Uri), that its AMQP 1.0 support is enabled, and that no firewall or TLS setting stands between.",
                last);
        }
    }

    /// <summary>Forces the current connection closed as if the broker had dropped it (tests of recovery use this).</summary>
    internal void Abort()
    {
        // Closing the transport from under the connection is what a broker restart looks like to the client.
        _ = Current?.CloseAsync(TimeSpan.Zero, new Error(ErrorCode.ConnectionForced) { Description = "aborted by a test" });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        Log.Disconnected(_logger, Endpoint);
    }

    // One round over the nodes: the first that accepts wins; a refusal of the credentials would be the same on
    // every node and ends the round.
    protected override Task<AmqpConnectionObject> ConnectAsync(CancellationToken cancellationToken) =>
        _nodes.ConnectAsync(
            async (node, token) =>
            {
                // The open frame's hostname names the node connected to (a virtual-host hint for brokers that use it).
                _factory.AMQP.HostName = node.Address.Host;
                var connection = await _factory.CreateAsync(node.Address, token).ConfigureAwait(false);
                Volatile.Write(ref _currentNode, node.Display);
                return connection;
            },
            IsRefusedCredentials,
            (node, failure) => Log.NodeUnreachable(_logger, node.Display, Reason(failure)),
            cancellationToken);

    protected override void Watch(AmqpConnectionObject connection) => connection.AddClosedCallback((_, error) =>
    {
        if (Lost(connection))
        {
            Log.ConnectionLost(_logger, Volatile.Read(ref _currentNode), error?.Condition ?? "closed", error?.Description ?? "the broker closed the connection");
        }
    });

    protected override bool IsOpen(AmqpConnectionObject connection) => !connection.IsClosed;

    protected override async Task CloseConnectionAsync(AmqpConnectionObject connection, TimeSpan timeout)
    {
        try
        {
            if (!connection.IsClosed)
            {
                await connection.CloseAsync(timeout, null).ConfigureAwait(false);
            }
        }
        catch (AmqpException)
        {
            // The broker went away while we closed: nothing is left to close.
        }
        catch (ObjectDisposedException)
        {
        }
        catch (TimeoutException)
        {
        }
    }

    protected override void OnReconnectFailed(Exception exception, int attempt, TimeSpan wait) =>
        Log.ReconnectFailed(_logger, exception, Endpoint, attempt, wait);

    protected override void OnReconnected(AmqpConnectionObject connection, int attempts) =>
        Log.Reconnected(_logger, Volatile.Read(ref _currentNode), attempts);

    private static bool IsRefusedCredentials(Exception exception) =>
        exception is AmqpException { Error.Condition: var condition } && string.Equals(condition, ErrorCode.UnauthorizedAccess, StringComparison.Ordinal);

    private static string Reason(Exception? exception) => exception switch
    {
        null => "timed out",
        SocketException socket => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound => "host not found",
            _ => socket.Message,
        },
        AmqpException amqp => $"{amqp.Error?.Condition}: {amqp.Error?.Description}",
        _ => exception.Message,
    };

    /// <summary>One node of the cluster: where to connect, and how to name it in logs (password masked).</summary>
    private sealed record Node(Address Address, string Display);

    private static void ConfigureTls(ConnectionFactory.SslSettings ssl, AmqpTlsOptions tls)
    {
        ssl.Protocols = tls.Protocols;
        ssl.CheckCertificateRevocation = tls.CheckCertificateRevocation;
        if (tls.ClientCertificatePath is { } path)
        {
            ssl.ClientCertificates.Add(X509CertificateLoader.LoadPkcs12FromFile(path, tls.ClientCertificatePassphrase));
        }

        if (tls.AcceptablePolicyErrors != SslPolicyErrors.None)
        {
            var acceptable = tls.AcceptablePolicyErrors;
            ssl.RemoteCertificateValidationCallback = (_, _, _, errors) => (errors & ~acceptable) == SslPolicyErrors.None;
        }
    }
}
