using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Eventing.Providers;
using Eventing.RabbitMq.Consuming;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Hosting;
using Eventing.RabbitMq.Provisioning;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq;

/// <summary>
/// The RabbitMQ (AMQP 0-9-1) provider on RabbitMQ.Client 7: one automatically recovering connection, a
/// confirming channel for durable sends (many confirms in flight), a plain channel for the others, and one
/// channel per listener.
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
    private IChannel? _confirmChannel;
    private IChannel? _plainChannel;
    private volatile TaskCompletionSource _available = CompletedSignal();

    // Cancelled when the connection is lost. A publish that was waiting for its confirm at that moment is re-sent
    // after recovery instead of waiting out SendTimeout: measured here, a few confirms pending across a broker
    // restart never completed nor failed on the recovered channel.
    private CancellationTokenSource _connectionEpoch = new();

    public RabbitMqProvider(RabbitMqProviderOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RabbitMqProvider>();
        _endpoint = RabbitMqEndpoint.Describe(options.Uri, options.UserName);
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
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(factory.ClientProvidedName, timeout.Token).ConfigureAwait(false);
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
            _confirmChannel = await connection.CreateChannelAsync(ConfirmChannelOptions(), timeout.Token).ConfigureAwait(false);
            _plainChannel = await connection.CreateChannelAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            await _provisioner.DeclareExchangeAsync(_plainChannel, timeout.Token).ConfigureAwait(false);
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
        Log.Connected(_logger, _endpoint, _options.ExchangeName, _options.QueueType);
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(@event);
        return PublishAsync(_options.ExchangeName, RabbitMqTopology.RoutingKey(@event), envelope, @event.Durable, cancellationToken);
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
        // The default exchange routes by queue name; the queue was declared with the listener's.
        return PublishAsync(string.Empty, RabbitMqTopology.DeadLetterQueueName(listener), envelope, durable: true, cancellationToken);
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

    private IConnection Connection =>
        _connection ?? throw new InvalidOperationException($"The RabbitMQ provider for {_endpoint} is not started (or already stopped).");

    private async ValueTask PublishAsync(string exchange, string routingKey, Envelope envelope, bool durable, CancellationToken cancellationToken)
    {
        var properties = RabbitMqWire.ToProperties(envelope, durable);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var channel = (durable ? _confirmChannel : _plainChannel) ?? throw new InvalidOperationException(
                $"The RabbitMQ provider for {_endpoint} is not started (or already stopped).");
            var timeout = RentTimeout(Remaining(started), cancellationToken, out var registration);
            var epoch = Volatile.Read(ref _connectionEpoch);
            var lost = durable
                ? epoch.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout)
                : default;
            try
            {
                // With confirmation tracking this completes when the broker confirmed the message; concurrent calls
                // pipeline up to MaxOutstandingConfirms, and nothing is locked while a confirm is awaited.
                await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, envelope.Body, timeout.Token).ConfigureAwait(false);
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                return;
            }
            catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested && epoch.IsCancellationRequested)
            {
                // The connection went away while this confirm was pending: send again once it is back.
                lost.Dispose();
                registration.Dispose();
                timeout.Dispose();
                Log.SendInterrupted(_logger, envelope.Id, "the connection was lost before the broker confirmed", _endpoint);
                await WaitUntilAvailableAsync(envelope, started, exception, durable, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lost.Dispose();
                registration.Dispose();
                timeout.Dispose();
                throw SendTimedOut(envelope, "no publisher confirm arrived", null);
            }
            catch (Exception exception) when (IsConnectionProblem(exception))
            {
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                Log.SendInterrupted(_logger, envelope.Id, exception.Message, _endpoint);
                await WaitUntilAvailableAsync(envelope, started, exception, durable, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                lost.Dispose();
                ReturnTimeout(timeout, registration);
                throw;
            }
        }
    }

    /// <summary>Waits for the connection to come back (or reopens a channel the broker closed), bounded by SendTimeout.</summary>
    private async Task WaitUntilAvailableAsync(Envelope envelope, long started, Exception cause, bool durable, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Remaining(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw SendTimedOut(envelope, "the broker is unreachable", cause);
            }

            var connection = _connection ?? throw new InvalidOperationException($"The RabbitMQ provider for {_endpoint} was stopped during a send.");
            var channel = durable ? _confirmChannel : _plainChannel;
            if (connection.IsOpen)
            {
                if (channel is { IsOpen: true })
                {
                    return;
                }

                // The connection is fine but the broker closed this channel (a channel error): RabbitMQ.Client
                // only recovers channels after connection failures, so open a new one.
                await ReopenChannelAsync(connection, durable, cancellationToken).ConfigureAwait(false);
                return;
            }

            var signal = _available.Task;
            try
            {
                if (signal.IsCompleted)
                {
                    // The shutdown event has not been raised yet; poll briefly instead of spinning.
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

    private async Task ReopenChannelAsync(IConnection connection, bool durable, CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = durable ? _confirmChannel : _plainChannel;
            if (current is { IsOpen: true })
            {
                return;
            }

            var channel = durable
                ? await connection.CreateChannelAsync(ConfirmChannelOptions(), cancellationToken).ConfigureAwait(false)
                : await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (durable)
            {
                _confirmChannel = channel;
            }
            else
            {
                _plainChannel = channel;
            }

            if (current is not null)
            {
                await current.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _channelGate.Release();
        }
    }

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
            $"could not send message {envelope.Id} ({envelope.Type}) to RabbitMQ at {_endpoint} within {_options.SendTimeout.TotalSeconds:0.#} s: {why}. The message was not confirmed; send it again or raise RabbitMqProviderOptions.SendTimeout. `eng/brokers.sh status` shows the test brokers."),
            cause);

    private ConnectionFactory CreateFactory()
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _options.RecoveryInterval,
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
            $"could not connect to RabbitMQ at {_endpoint} within {_options.ConnectTimeout.TotalSeconds:0.#} s ({reason}). Is the broker running? `eng/brokers.sh status` shows the test brokers."),
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

            // Pending confirms of the lost connection are re-sent; cancel them off the client's event thread. The old
            // source is not disposed: a send may still be registering on it (it has no timer to release).
            var lostEpoch = Interlocked.Exchange(ref _connectionEpoch, new CancellationTokenSource());
            _ = Task.Run(lostEpoch.Cancel);

            Log.ConnectionLost(_logger, _endpoint, args.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        Log.Recovered(_logger, _endpoint);
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
