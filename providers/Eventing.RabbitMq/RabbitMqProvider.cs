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
/// The RabbitMQ (AMQP 0-9-1) provider on RabbitMQ.Client 7: one automatically recovering connection, a
/// confirming channel for durable sends and dead letters (many confirms in flight), a plain channel for the
/// others, and one channel per listener. Listener channels are recovered by RabbitMQ.Client; the two publish
/// channels are the provider's own: after a lost connection they are replaced by fresh ones (see
/// <see cref="PublishChannel"/>) and the sends they had not confirmed are sent again.
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
    private IConnection? _connection;
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

        var factory = CreateFactory();
        var endpoints = new FailoverEndpointResolver(new FailoverEndpoints<AmqpTcpEndpoint>(
            EndpointList.Collect(_options.Uri, _options.Endpoints).Select(uri => NodeEndpoint(factory, uri)), _options.EndpointOrder));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(endpoints, factory.ClientProvidedName, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unreachable("no answer", null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw Translate(exception);
        }

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
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(@event);
        return PublishAsync(_options.ExchangeName, RabbitMqTopology.RoutingKey(@event), envelope, @event.Durable, mandatory: false, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, IDeliveryHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(handler);
        var connection = Connection;
        // One consumer dispatch at a time per channel: the subscription hands deliveries to the core in order.
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, null, 1), cancellationToken).ConfigureAwait(false);
        try
        {
            var prefetch = (ushort)Math.Min(ushort.MaxValue, (long)listener.Concurrency * _options.PrefetchPerConcurrency);
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var queue = await _provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
            var subscription = new RabbitMqSubscription(channel, queue, handler, _loggerFactory.CreateLogger<RabbitMqSubscription>());
            await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
            Log.Consuming(_logger, queue, prefetch);
            return subscription;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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

        connection.ConnectionShutdownAsync -= OnConnectionShutdownAsync;
        connection.RecoverySucceededAsync -= OnRecoverySucceededAsync;
        connection.ConnectionRecoveryErrorAsync -= OnRecoveryErrorAsync;
        try
        {
            // Bounded: a broker that is down must not hold up the host's shutdown.
            await connection.CloseAsync(Constants.ReplySuccess, "Eventing stopped", TimeSpan.FromSeconds(5), abort: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _channelGate.Dispose();
        while (_timeouts.TryDequeue(out var timeout))
        {
            timeout.Dispose();
        }
    }

    private IConnection Connection => _connection ?? throw NotStarted();

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
        if (args.Initiator != ShutdownInitiator.Application)
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

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        var node = sender is IConnection connection ? NodeOf(connection) : _endpoint;
        Log.Recovered(_logger, node);
        _available.TrySetResult();
        return Task.CompletedTask;
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
