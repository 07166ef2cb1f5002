using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Eventing.Providers;
using Eventing.RabbitMq.Consuming;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Hosting;
using Eventing.RabbitMq.Provisioning;
using Eventing.RabbitMq.Publishing;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq;

/// <summary>
/// The RabbitMQ (AMQP 0-9-1) provider on RabbitMQ.Client 7: an automatically recovering publishing connection
/// with a confirming channel for durable sends and dead letters (many confirms in flight) and a plain channel for
/// the others; an automatically recovering connection and channel per listener; and a sentinel connection that
/// only heartbeats. Listener channels are recovered by RabbitMQ.Client; the two publish channels are the
/// provider's own: after a lost connection they are replaced by fresh ones (see <see cref="PublishChannel"/>) and
/// the sends they had not confirmed are sent again. When the sentinel sees the broker go and the publishing
/// connection does not, that connection is replaced (see WatchForWedgeAsync).
/// </summary>
internal sealed class RabbitMqProvider : IProvider
{
    private const int MaxPooledTimeouts = 1024;

    private readonly RabbitMqProviderOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private readonly RabbitMqProvisioner _provisioner;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private readonly ConcurrentQueue<CancellationTokenSource> _timeouts = new();
    private readonly CancellationTokenSource _stopping = new();
    private IConnection? _connection;
    private IConnection? _sentinel;
    private int _replacing;
    private PublishChannel? _confirmChannel;
    private PublishChannel? _plainChannel;

    // Completed while the connection is up; replaced by a pending one when it is lost, completed again once
    // RabbitMQ.Client recovered it. Fresh publish channels are only opened on a recovered connection.
    private volatile TaskCompletionSource _available = CompletedSignal();

    public RabbitMqProvider(RabbitMqProviderOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RabbitMqProvider>();
        _endpoint = string.Join(", ", EndpointList.Collect(options.Uri, options.Endpoints).Select(uri => RabbitMqEndpoint.Describe(uri, options.UserName)));
        _provisioner = new RabbitMqProvisioner(options.ExchangeName, options.QueueType);
        Name = "rabbitmq " + _endpoint;
    }

    public string Name { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var connection = await ConnectAsync(null, timeout.Token, cancellationToken).ConfigureAwait(false);
        try
        {
            connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
            connection.RecoverySucceededAsync += OnRecoverySucceededAsync;
            connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
            _confirmChannel = await OpenPublishChannelAsync(connection, durable: true, timeout.Token).ConfigureAwait(false);
            _plainChannel = await OpenPublishChannelAsync(connection, durable: false, timeout.Token).ConfigureAwait(false);
            await _provisioner.DeclareExchangeAsync(_plainChannel.Channel, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationInterruptedException exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"RabbitMQ at {_endpoint} refused exchange '{_options.ExchangeName}': {exception.ShutdownReason?.ReplyText}. " +
                "Use a topic exchange (the default, amq.topic, always exists) in RabbitMqProviderOptions.ExchangeName.", exception);
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
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(@event);
        return PublishAsync(_options.ExchangeName, RabbitMqTopology.RoutingKey(@event), envelope, @event.Durable, mandatory: false, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _ = Connection;

        // Each listener consumes on a connection of its own, away from the sends: RabbitMQ.Client 7.2 queues at most
        // 128 outgoing frames per connection, and when its write loop dies with the socket (a broker restart) the
        // frames written after that fill the queue and wedge the connection's reader until three heartbeats have
        // passed. A listener's acknowledgements are bounded by its prefetch (at most MaxPrefetch, below that queue),
        // so its connection always notices the broker going away and recovers at once, whatever the sends do.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var connection = await ConnectAsync(listener.Queue, timeout.Token, cancellationToken).ConfigureAwait(false);
        IChannel? channel = null;
        try
        {
            connection.ConnectionShutdownAsync += OnListenerConnectionShutdownAsync;
            connection.RecoverySucceededAsync += OnListenerRecoverySucceededAsync;
            connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;

            // One consumer dispatch at a time per channel: the subscription hands deliveries to the core in order.
            channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, null, 1), cancellationToken).ConfigureAwait(false);
            var prefetch = Prefetch(listener);
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var queue = await _provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
            var subscription = new RabbitMqSubscription(connection, channel, queue, _loggerFactory.CreateLogger<RabbitMqSubscription>());
            await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
            Log.Consuming(_logger, queue, prefetch);
            return subscription;
        }
        catch
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A listener's prefetch: concurrency × PrefetchPerConcurrency, at most <see cref="RabbitMqProviderOptions.MaxPrefetch"/>.</summary>
    internal ushort Prefetch(ListenerDescriptor listener) =>
        (ushort)Math.Min(RabbitMqProviderOptions.MaxPrefetch, (long)listener.Concurrency * _options.PrefetchPerConcurrency);

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(listener);
        // The default exchange routes by queue name; the queue was declared with the listener's. Mandatory: if an
        // operator deleted the queue, the broker returns the message instead of dropping it, the send fails and the
        // core keeps the original rather than acknowledging a dead letter that went nowhere.
        return PublishAsync(string.Empty, RabbitMqTopology.DeadLetterQueueName(listener), envelope, durable: true, mandatory: true, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Detach(connection);
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
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _channelGate.Dispose();
        _stopping.Dispose();
        while (_timeouts.TryDequeue(out var timeout))
        {
            timeout.Dispose();
        }
    }

    private IConnection Connection => _connection ?? throw NotStarted();

    /// <summary>
    /// Opens a recovering connection to one of the nodes, named after the process (and the listener's queue, for a
    /// listener's own connection), within <paramref name="timeout"/>.
    /// </summary>
    private async Task<IConnection> ConnectAsync(string? listenerQueue, CancellationToken timeout, CancellationToken cancellationToken)
    {
        var factory = CreateFactory();
        var endpoints = new FailoverEndpointResolver(new FailoverEndpoints<AmqpTcpEndpoint>(
            EndpointList.Collect(_options.Uri, _options.Endpoints).Select(uri => NodeEndpoint(factory, uri)), _options.EndpointOrder));
        var name = listenerQueue is null ? factory.ClientProvidedName : $"{factory.ClientProvidedName} {listenerQueue}";
        try
        {
            return await factory.CreateConnectionAsync(endpoints, name, timeout).ConfigureAwait(false);
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

    private async ValueTask PublishAsync(string exchange, string routingKey, Envelope envelope, bool durable, bool mandatory, CancellationToken cancellationToken)
    {
        var properties = RabbitMqWire.ToProperties(envelope, durable);
        var started = Stopwatch.GetTimestamp();
        Exception? cause = null;
        while (true)
        {
            var lane = await PublishChannelAsync(envelope, durable, started, cause, cancellationToken).ConfigureAwait(false);
            var timeout = RentTimeout(Remaining(started), cancellationToken, out var registration);
            // A publish waiting on a channel that is lost meanwhile (its confirm, or RabbitMQ.Client's confirmation
            // lock) is cancelled and sent again on the channel's successor instead of waiting out SendTimeout.
            var lost = lane.Lost.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
            try
            {
                // With confirmation tracking this completes when the broker confirmed the message; concurrent calls
                // pipeline up to MaxOutstandingConfirms, and nothing is locked while a confirm is awaited.
                await lane.Channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, envelope.Body, timeout.Token).ConfigureAwait(false);
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                return;
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && lane.IsLost)
            {
                lost.Dispose();
                registration.Dispose();
                timeout.Dispose();
                Log.SendInterrupted(_logger, envelope.Id, "the channel was lost before the broker confirmed", _endpoint);
                cause = exception;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lost.Dispose();
                registration.Dispose();
                timeout.Dispose();
                throw SendTimedOut(envelope, "no publisher confirm arrived", cause);
            }
            catch (PublishException returned) when (returned.IsReturn)
            {
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                throw Unroutable(envelope, routingKey, returned);
            }
            catch (Exception exception) when (lane.IsLost || IsConnectionProblem(exception))
            {
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                // Never publish on it again, whatever state it claims: the next attempt opens a fresh channel.
                lane.MarkLost();
                Log.SendInterrupted(_logger, envelope.Id, exception.Message, _endpoint);
                cause = exception;
            }
            catch
            {
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                throw;
            }
        }
    }

    /// <summary>
    /// The channel to publish on: the current one while it is usable, otherwise a fresh one once the connection is
    /// back (recovered by RabbitMQ.Client), waiting for that at most until SendTimeout.
    /// </summary>
    private async ValueTask<PublishChannel> PublishChannelAsync(Envelope envelope, bool durable, long started, Exception? cause, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = (durable ? _confirmChannel : _plainChannel) ?? throw NotStarted();
            if (current.IsUsable)
            {
                return current;
            }

            var remaining = Remaining(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw SendTimedOut(envelope, "the broker is unreachable", cause);
            }

            var connection = _connection ?? throw new InvalidOperationException($"The RabbitMQ provider for {_endpoint} was stopped during a send.");
            var signal = _available.Task;
            if (connection.IsOpen && signal.IsCompleted)
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bounded.CancelAfter(remaining);
                try
                {
                    return await RenewAsync(connection, current, durable, bounded.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw SendTimedOut(envelope, "no publish channel could be opened", exception);
                }
                catch (Exception exception) when (IsConnectionProblem(exception))
                {
                    // Lost again while opening: wait for the next recovery (paced, never a hot loop).
                    cause = exception;
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100, remaining.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            try
            {
                if (signal.IsCompleted)
                {
                    // The connection is down but its shutdown event has not been raised yet; poll briefly instead of spinning.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100, remaining.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await signal.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                throw SendTimedOut(envelope, "the broker is unreachable", cause);
            }
        }
    }

    private async Task<PublishChannel> RenewAsync(IConnection connection, PublishChannel lost, bool durable, CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = (durable ? _confirmChannel : _plainChannel) ?? throw NotStarted();
            if (!ReferenceEquals(current, lost) && current.IsUsable)
            {
                return current;
            }

            current.MarkLost();
            var fresh = await OpenPublishChannelAsync(connection, durable, cancellationToken).ConfigureAwait(false);
            current.Retire();
            if (durable)
            {
                _confirmChannel = fresh;
            }
            else
            {
                _plainChannel = fresh;
            }

            Log.PublishChannelOpened(_logger, durable ? "confirming" : "plain", _endpoint);
            return fresh;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private async Task<PublishChannel> OpenPublishChannelAsync(IConnection connection, bool durable, CancellationToken cancellationToken)
    {
        var channel = durable
            ? await connection.CreateChannelAsync(ConfirmChannelOptions(), cancellationToken).ConfigureAwait(false)
            : await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new PublishChannel(channel);
    }

    private InvalidOperationException NotStarted() => new($"The RabbitMQ provider for {_endpoint} is not started (or already stopped).");

    // Only dead letters are published mandatory, to the default exchange with the dead-letter queue as routing key.
    private InvalidOperationException Unroutable(Envelope envelope, string routingKey, PublishException returned) =>
        new($"RabbitMQ at {_endpoint} returned the dead letter of message {envelope.Id} ({envelope.Type}) as unroutable: " +
            $"the dead-letter queue '{routingKey}' does not exist (deleted?). The message stays in its listener queue; " +
            "declare the dead-letter queue again (restarting the listener does).",
            returned);

    // A queueing limiter: RabbitMQ.Client's default ThrottlingRateLimiter fails a publish ("Could not acquire a
    // lease") once its permits are taken, while SendAsync must wait for a slot however many sends are in flight.
    private CreateChannelOptions ConfirmChannelOptions() =>
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = _options.MaxOutstandingConfirms,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));

    private TimeSpan Remaining(long started) => _options.SendTimeout - Stopwatch.GetElapsedTime(started);

    // Timeout sources are pooled: a send that completes in time resets its source for the next one, so the
    // hot path allocates no CancellationTokenSource and no timer.
    private CancellationTokenSource RentTimeout(TimeSpan remaining, CancellationToken cancellationToken, out CancellationTokenRegistration registration)
    {
        if (!_timeouts.TryDequeue(out var timeout))
        {
            timeout = new CancellationTokenSource();
        }

        timeout.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout)
            : default;
        return timeout;
    }

    private void ReturnTimeout(CancellationTokenSource timeout, CancellationTokenRegistration registration)
    {
        registration.Dispose();
        if (_timeouts.Count < MaxPooledTimeouts && timeout.TryReset())
        {
            _timeouts.Enqueue(timeout);
        }
        else
        {
            timeout.Dispose();
        }
    }

    private static bool IsConnectionProblem(Exception exception) =>
        exception is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or IOException
            || (exception is PublishException { IsReturn: false } && exception.InnerException is AlreadyClosedException or OperationInterruptedException);

    private BrokerUnreachableException SendTimedOut(Envelope envelope, string why, Exception? cause) =>
        new(_endpoint, string.Create(CultureInfo.InvariantCulture,
            $"could not send message {envelope.Id} ({envelope.Type}) to RabbitMQ at {_endpoint} within {_options.SendTimeout.TotalSeconds:0.#} s: {why}. The message was not confirmed; send it again or raise RabbitMqProviderOptions.SendTimeout. Check that the broker is running, reachable from this host and not blocking publishers (a memory or disk alarm shows in `rabbitmq-diagnostics alarms`)."),
            cause);

    private ConnectionFactory CreateFactory()
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _options.RecoveryInterval,
            RequestedHeartbeat = _options.Heartbeat,
            // RabbitMQ.Client's default (64 MiB) is below RabbitMQ's default max_message_size (128 MiB): a message
            // in between would fail the connection, and be redelivered into the same failure, forever.
            MaxInboundMessageBodySize = (uint)_options.MaxInboundMessageBytes,
            RequestedConnectionTimeout = _options.ConnectTimeout,
            HandshakeContinuationTimeout = _options.ConnectTimeout,
            ClientProvidedName = _options.ClientProvidedName ?? "eventing:" + Process.GetCurrentProcess().ProcessName,
        };
        if (_options.UserName is not null)
        {
            factory.UserName = _options.UserName;
        }

        if (_options.Password is not null)
        {
            factory.Password = _options.Password;
        }

        var tls = _options.Tls;
        if (tls.Enabled ?? _options.Uri.Scheme == "amqps")
        {
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = tls.ServerName ?? _options.Uri.Host,
                Version = tls.Protocols,
                CertPath = tls.ClientCertificatePath ?? string.Empty,
                CertPassphrase = tls.ClientCertificatePassphrase ?? string.Empty,
                AcceptablePolicyErrors = tls.AcceptablePolicyErrors,
            };
            if (tls.ClientCertificatePath is not null)
            {
                factory.AuthMechanisms = [new ExternalMechanismFactory(), new PlainMechanismFactory()];
            }
        }

        return factory;
    }

    // Host and port of one cluster node; everything else (TLS, size limit) as the factory has it for Uri's node.
    private static AmqpTcpEndpoint NodeEndpoint(ConnectionFactory factory, Uri uri)
    {
        var ssl = factory.Ssl;
        if (ssl.Enabled && !string.Equals(uri.Host, factory.HostName, StringComparison.OrdinalIgnoreCase) && string.Equals(ssl.ServerName, factory.HostName, StringComparison.OrdinalIgnoreCase))
        {
            // Each node presents its own certificate: check it against that node's name, unless one was configured.
            ssl = new SslOption(uri.Host, ssl.CertPath, ssl.Enabled)
            {
                Version = ssl.Version,
                CertPassphrase = ssl.CertPassphrase,
                AcceptablePolicyErrors = ssl.AcceptablePolicyErrors,
                Certs = ssl.Certs,
                CertificateSelectionCallback = ssl.CertificateSelectionCallback,
                CertificateValidationCallback = ssl.CertificateValidationCallback,
                CheckCertificateRevocation = ssl.CheckCertificateRevocation,
            };
        }

        return new AmqpTcpEndpoint(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? -1 : uri.Port, ssl, factory.MaxInboundMessageBodySize);
    }

    private string NodeOf(IConnection connection) =>
        RabbitMqEndpoint.Describe(new UriBuilder(_options.Uri) { Host = connection.Endpoint.HostName, Port = connection.Endpoint.Port }.Uri, _options.UserName);

    private BrokerUnreachableException Translate(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationFailureException or PossibleAuthenticationFailureException)
            {
                return new BrokerUnreachableException(_endpoint,
                    $"RabbitMQ at {_endpoint} refused the credentials ({inner.Message}). " +
                    "Check the user and password in RabbitMqProviderOptions.Uri (or UserName and Password) and the user's permissions on the virtual host.",
                    exception);
            }
        }

        var reason = exception.InnerException?.Message ?? exception.Message;
        return Unreachable(reason, exception);
    }

    private BrokerUnreachableException Unreachable(string reason, Exception? inner) =>
        new(_endpoint, string.Create(CultureInfo.InvariantCulture,
            $"could not connect to RabbitMQ at {_endpoint} within {_options.ConnectTimeout.TotalSeconds:0.#} s ({reason}). Check that the broker is running and listens on that host and port (RabbitMqProviderOptions.Uri), and that no firewall or TLS setting stands between."),
            inner);

    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application && ReferenceEquals(sender, _connection))
        {
            // From now on sends wait for the recovery signal instead of failing at once.
            if (_available.Task.IsCompleted)
            {
                _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // The publish channels die with the connection; what they had not confirmed is sent again on fresh ones.
            _confirmChannel?.MarkLost();
            _plainChannel?.MarkLost();

            Log.ConnectionLost(_logger, _endpoint, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnListenerConnectionShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (args.Initiator != ShutdownInitiator.Application)
        {
            Log.ConnectionLost(_logger, _endpoint, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnListenerRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        LogRecovered(sender);
        return Task.CompletedTask;
    }

    private void LogRecovered(object sender)
    {
        var node = sender is IConnection connection ? NodeOf(connection) : _endpoint;
        Log.Recovered(_logger, node);
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        LogRecovered(sender);
        if (ReferenceEquals(sender, _connection))
        {
            _available.TrySetResult();
        }

        return Task.CompletedTask;
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

        Log.PublishConnectionWedged(_logger, _endpoint);
        if (_available.Task.IsCompleted)
        {
            _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _confirmChannel?.MarkLost();
        _plainChannel?.MarkLost();
        Detach(publishing);
        _ = CloseQuietlyAsync(publishing, TimeSpan.FromSeconds(1));
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_options.RecoveryInterval, _stopping.Token).ConfigureAwait(false);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    timeout.CancelAfter(_options.ConnectTimeout);
                    var fresh = await ConnectAsync(null, timeout.Token, _stopping.Token).ConfigureAwait(false);
                    fresh.ConnectionShutdownAsync += OnConnectionShutdownAsync;
                    fresh.RecoverySucceededAsync += OnRecoverySucceededAsync;
                    fresh.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
                    if (Interlocked.CompareExchange(ref _connection, fresh, publishing) != publishing)
                    {
                        // Stopped meanwhile.
                        Detach(fresh);
                        await CloseQuietlyAsync(fresh, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                        return;
                    }

                    var node = NodeOf(fresh);
                    Log.Recovered(_logger, node);
                    _available.TrySetResult();
                    return;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    Log.RecoveryFailed(_logger, exception, _endpoint);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _replacing, 0);
        }
    }

    private static readonly TimeSpan WedgeGrace = TimeSpan.FromSeconds(1);

    private void Detach(IConnection connection)
    {
        connection.ConnectionShutdownAsync -= OnConnectionShutdownAsync;
        connection.RecoverySucceededAsync -= OnRecoverySucceededAsync;
        connection.ConnectionRecoveryErrorAsync -= OnRecoveryErrorAsync;
    }

    private static async Task CloseQuietlyAsync(IConnection connection, TimeSpan timeout)
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

    private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs args)
    {
        Log.RecoveryFailed(_logger, args.Exception, _endpoint);
        return Task.CompletedTask;
    }

    private static TaskCompletionSource CompletedSignal()
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        signal.SetResult();
        return signal;
    }
}
