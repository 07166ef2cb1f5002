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
/// The one connection of a provider. It connects at start, notices when the connection is lost and reconnects
/// with exponential backoff and jitter until it is closed. Senders and receivers wait for it with
/// <see cref="WaitAsync"/>; they re-create their sessions and links on the new connection themselves.
/// </summary>
internal sealed class AmqpConnection : IAsyncDisposable
{
    private readonly AmqpProviderOptions _options;
    private readonly ILogger _logger;
    private readonly FailoverEndpoints<Node> _nodes;
    private readonly ConnectionFactory _factory;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _closing = new();
    private TaskCompletionSource<AmqpConnectionObject> _ready = NewReady();

    // Completed when a send waits for the connection during an outage: from then on recovery tries
    // every RecoveryInterval instead of backing off, so a waiting send resumes as soon as the broker is back
    // (with the full backoff it could sleep up to MaxRecoveryInterval past the broker's return, longer than a
    // short SendTimeout). Reset with each outage.
    private TaskCompletionSource _demand = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AmqpConnectionObject? _current;
    private string _currentNode;
    private bool _closed;

    public AmqpConnection(AmqpProviderOptions options, ILogger logger)
    {
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

    /// <summary>The broker address (every node of a cluster) for logs and errors, password masked.</summary>
    public string Endpoint { get; }

    /// <summary>Raised on the I/O thread after a connection was lost and all its sessions and links were aborted.</summary>
    public event Action<AmqpConnectionObject>? Lost;

    /// <summary>Connects, retrying until <see cref="AmqpProviderOptions.ConnectTimeout"/>; refused credentials fail at once.</summary>
    /// <exception cref="BrokerUnreachableException">No connection within the timeout, or the credentials were refused.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        Exception? last = null;
        try
        {
            var connection = await RetryLoop.RunAsync(
                (_, ct) => ConnectOnceAsync(ct),
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

    private static bool IsRefusedCredentials(Exception exception) =>
        exception is AmqpException { Error.Condition: var condition } && string.Equals(condition, ErrorCode.UnauthorizedAccess, StringComparison.Ordinal);

    /// <summary>The open connection, waiting while it is being recovered.</summary>
    /// <param name="urgent">
    /// A send is waiting: recovery stops backing off and retries every RecoveryInterval. Receivers pass false, so
    /// that a fleet of idle consumers still backs off from a broker that is restarting.
    /// </param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ObjectDisposedException">The connection was closed for good.</exception>
    public Task<AmqpConnectionObject> WaitAsync(bool urgent, CancellationToken cancellationToken)
    {
        var ready = Volatile.Read(ref _ready).Task;
        if (urgent && !ready.IsCompleted)
        {
            Volatile.Read(ref _demand).TrySetResult();
        }

        return ready.IsCompleted || !cancellationToken.CanBeCanceled ? ready : ready.WaitAsync(cancellationToken);
    }

    /// <summary>The open connection, or null while it is being recovered.</summary>
    public AmqpConnectionObject? Current
    {
        get
        {
            var ready = Volatile.Read(ref _ready).Task;
            return ready.IsCompletedSuccessfully ? ready.Result : null;
        }
    }

    /// <summary>Forces the current connection closed as if the broker had dropped it (tests of recovery use this).</summary>
    internal void Abort()
    {
        var current = Current;
        if (current is not null)
        {
            // Closing the transport from under the connection is what a broker restart looks like to the client.
            _ = current.CloseAsync(TimeSpan.Zero, new Error(ErrorCode.ConnectionForced) { Description = "aborted by a test" });
        }
    }

    public async ValueTask DisposeAsync()
    {
        AmqpConnectionObject? current;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            current = _current;
            _current = null;
            _ready.TrySetException(new ObjectDisposedException(nameof(AmqpConnection), $"The AMQP connection to {Endpoint} was closed."));
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        if (current is not null && !current.IsClosed)
        {
            try
            {
                await current.CloseAsync().ConfigureAwait(false);
            }
            catch (AmqpException)
            {
                // The broker went away while we closed: nothing is left to close.
            }
            catch (ObjectDisposedException)
            {
            }
        }

        Log.Disconnected(_logger, Endpoint);
        _closing.Dispose();
    }

    // One round over the nodes: the first that accepts wins; a refusal of the credentials would be the same on
    // every node and ends the round.
    private Task<AmqpConnectionObject> ConnectOnceAsync(CancellationToken cancellationToken) =>
        _nodes.ConnectAsync(
            async (node, token) =>
            {
                // The open frame's hostname names the node connected to (a virtual-host hint for brokers that use it).
                _factory.AMQP.HostName = node.Address.Host;
                var connection = await _factory.CreateAsync(node.Address, token).ConfigureAwait(false);
                Volatile.Write(ref _currentNode, node.Display);
                return connection;
            },
            IsRefusal,
            (node, failure) => Log.NodeUnreachable(_logger, node.Display, Reason(failure)),
            cancellationToken);

    private static bool IsRefusal(Exception exception) =>
        exception is AmqpException amqp && string.Equals(amqp.Error?.Condition, ErrorCode.UnauthorizedAccess, StringComparison.Ordinal);

    private void Publish(AmqpConnectionObject connection)
    {
        lock (_gate)
        {
            if (_closed)
            {
                _ = connection.CloseAsync();
                throw new ObjectDisposedException(nameof(AmqpConnection));
            }

            _current = connection;
            if (!_ready.TrySetResult(connection))
            {
                _ready = NewReady();
                _ready.TrySetResult(connection);
            }
        }

        // Registered after publishing: if the connection already died, the callback runs now and recovers.
        connection.AddClosedCallback(OnClosed);
    }

    private void OnClosed(IAmqpObject sender, Error? error)
    {
        var connection = (AmqpConnectionObject)sender;
        lock (_gate)
        {
            if (_closed || !ReferenceEquals(_current, connection))
            {
                return;
            }

            _current = null;
            if (_ready.Task.IsCompleted)
            {
                _ready = NewReady();
                _demand = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        Log.ConnectionLost(_logger, Volatile.Read(ref _currentNode), error?.Condition ?? "closed", error?.Description ?? "the broker closed the connection");
        Lost?.Invoke(connection);
        _ = Task.Run(RecoverAsync);
    }

    private async Task RecoverAsync()
    {
        var backoff = new Backoff(_options.RecoveryInterval, _options.MaxRecoveryInterval);
        var tries = 0;
        try
        {
            // A broker that just closed the connection is rarely back at once: pause before the first try too.
            await PauseAsync(backoff.Next(), _closing.Token).ConfigureAwait(false);
            var connection = await RetryLoop.RunAsync(
                (attempt, ct) =>
                {
                    tries = attempt;
                    return ConnectOnceAsync(ct);
                },
                backoff,
                (exception, attempt, wait) =>
                {
                    if (exception is ObjectDisposedException)
                    {
                        return false;
                    }

                    Log.ReconnectFailed(_logger, exception, Endpoint, attempt, wait);
                    return true;
                },
                _closing.Token,
                PauseAsync).ConfigureAwait(false);
            Publish(connection);
            Log.Reconnected(_logger, Volatile.Read(ref _currentNode), tries);
        }
        catch (Exception) when (_closing.IsCancellationRequested)
        {
            // Closed while recovering.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while recovering.
        }
    }

    // The wait between tries, cut short when a send needs the connection now; RecoveryInterval still separates tries.
    private async Task PauseAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var demand = Volatile.Read(ref _demand).Task;
        if (!demand.IsCompleted && await Task.WhenAny(Task.Delay(wait, cancellationToken), demand).ConfigureAwait(false) != demand)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        await Task.Delay(Backoff.Jitter(_options.RecoveryInterval), cancellationToken).ConfigureAwait(false);
    }

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

    private static TaskCompletionSource<AmqpConnectionObject> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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
