using Eventing.Providers;
using Eventing.RabbitMq.Connections;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Inspection;
using Eventing.RabbitMq.Receiving;
using Eventing.RabbitMq.Sending;
using Eventing.RabbitMq.Topology;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq;

/// <summary>
/// The RabbitMQ (AMQP 0-9-1) provider on RabbitMQ.Client 7: publishes through <see cref="RabbitMqSendPath"/> on the
/// publishing connection of <see cref="RabbitMqConnection"/>, consumes each listener on a connection of its own
/// (<see cref="RabbitMqSubscription"/>), and declares the names of <see cref="RabbitMqTopology"/>.
/// </summary>
internal sealed class RabbitMqProvider : IProvider, IProviderInspector, IDelayedRedelivery, IScheduledDelivery
{
    private readonly RabbitMqProviderOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly RabbitMqProvisioner _provisioner;
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqSendPath _sendPath;
    private readonly SemaphoreSlim _scheduleChainGate = new(1, 1);
    private bool _scheduleChainDeclared;

    public RabbitMqProvider(RabbitMqProviderOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<RabbitMqProvider>();
        _provisioner = new RabbitMqProvisioner(options.ExchangeName, options.QueueType);
        _connection = new RabbitMqConnection(options, _logger);
        _sendPath = new RabbitMqSendPath(_connection, options, _logger);
        Name = "rabbitmq " + _connection.Endpoint;
    }

    public string Name { get; }

    public string MessagingSystem => "rabbitmq";

    public ProviderHealth Health => _connection.Health;

    public Task StartAsync(CancellationToken cancellationToken) =>
        _connection.Publishing is not null ? Task.CompletedTask : _connection.StartAsync(async (connection, timeout) =>
        {
            try
            {
                await _sendPath.OpenAsync(connection, timeout).ConfigureAwait(false);
                await _provisioner.DeclareExchangeAsync(_sendPath.PlainChannel, timeout).ConfigureAwait(false);
            }
            catch (OperationInterruptedException exception)
            {
                throw new InvalidOperationException(
                    $"RabbitMQ at {_connection.Endpoint} refused exchange '{_options.ExchangeName}': {exception.ShutdownReason?.ReplyText}. " +
                    "Use a topic exchange (the default, amq.topic, always exists) in RabbitMqProviderOptions.ExchangeName.", exception);
            }
        }, cancellationToken);

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(@event);
        return _sendPath.PublishAsync(_options.ExchangeName, RabbitMqTopology.RoutingKey(@event), envelope, @event.Durable, mandatory: false, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _ = _connection.Publishing ?? throw _connection.NotStarted();
        if (listener.Prefetch is { } requested && requested > RabbitMqProviderOptions.MaxPrefetch)
        {
            Log.PrefetchCapped(_logger, listener.Queue, requested, RabbitMqProviderOptions.MaxPrefetch);
        }

        var prefetch = Prefetch(listener);
        var subscription = await RabbitMqSubscription.StartAsync(_connection, _provisioner, listener, prefetch,
            _loggerFactory.CreateLogger<RabbitMqSubscription>(), cancellationToken).ConfigureAwait(false);
        Log.Consuming(_logger, listener.Queue, prefetch);
        LogDelayQueues(listener);
        return subscription;
    }

    /// <summary>
    /// A listener's prefetch: <see cref="ListenerDescriptor.Prefetch"/> when set, otherwise concurrency ×
    /// <see cref="RabbitMqProviderOptions.PrefetchPerConcurrency"/>; at most <see cref="RabbitMqProviderOptions.MaxPrefetch"/>.
    /// </summary>
    internal ushort Prefetch(ListenerDescriptor listener) =>
        (ushort)Math.Min(RabbitMqProviderOptions.MaxPrefetch, listener.Prefetch ?? (long)listener.Concurrency * _options.PrefetchPerConcurrency);

    public async Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var connection = _connection.Publishing ?? throw _connection.NotStarted();
        // A channel of its own: a refused declaration (PRECONDITION_FAILED) closes the channel it was made on.
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            if (listener.PerProcess)
            {
                // A per-process queue is exclusive to the connection of the process's consumer, which only exists
                // once it subscribes (and events sent before that are not meant for it): only its dead-letter queue,
                // which outlives the process, is declared here.
                await _provisioner.DeclareDeadLetterQueueAsync(channel, listener, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
                LogDelayQueues(listener);
            }
        }
    }

    private void LogDelayQueues(ListenerDescriptor listener)
    {
        foreach (var (queue, delay) in RabbitMqTopology.DelayQueues(listener, _options.QueueType))
        {
            Log.DelayQueueDeclared(_logger, queue.Name, delay.TotalSeconds, listener.Queue);
        }
    }

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(listener);
        // The default exchange routes by queue name; the queue was declared with the listener's. Mandatory: if an
        // operator deleted the queue, the broker returns the message instead of dropping it, the send fails and the
        // core keeps the original rather than acknowledging a dead letter that went nowhere.
        return _sendPath.PublishAsync(string.Empty, RabbitMqTopology.DeadLetterQueueName(listener), envelope, durable: true, mandatory: true, cancellationToken);
    }

    public ValueTask RedeliverAsync(Envelope envelope, ListenerDescriptor listener, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(listener);
        if (!listener.Retry.Delayed.Contains(delay))
        {
            throw new ArgumentException(
                $"Listener '{listener.Name}' has no delayed retry of {delay}; its delay queues are for {string.Join(", ", listener.Retry.Delayed)} only.", nameof(delay));
        }

        // The broker does the waiting: the copy expires from the delay queue (declared with the listener's, its TTL
        // the delay) back to the listener's queue. Persistent and mandatory as a dead letter is, so the core acks the
        // original only once the copy is confirmed in a queue that exists.
        var queue = RabbitMqTopology.DelayQueueName(listener, delay);
        Log.Redelivering(_logger, envelope.Id, queue, listener.Queue);
        return _sendPath.PublishAsync(string.Empty, queue, envelope, durable: true, mandatory: true, cancellationToken);
    }

    public async ValueTask ScheduleAsync(Envelope envelope, EventDescriptor @event, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(@event);
        await EnsureScheduleChainAsync(cancellationToken).ConfigureAwait(false);

        // Measured after the declarations, so the time they took is not waited twice; rounded up, never early.
        var milliseconds = RabbitMqScheduleTopology.Milliseconds(dueAt - DateTimeOffset.UtcNow);
        var properties = _sendPath.PropertiesFor(envelope, @event.Durable);
        var headers = properties.Headers ?? new Dictionary<string, object?>(RabbitMqScheduleTopology.RoutingHeaderCount(milliseconds), StringComparer.Ordinal);
        RabbitMqScheduleTopology.AddRoutingHeaders(headers, milliseconds);
        properties.Headers = headers;
        var level = RabbitMqScheduleTopology.FirstLevel(milliseconds);
        var exchange = RabbitMqScheduleTopology.LevelName(_options.ExchangeName, level);
        Log.Scheduling(_logger, envelope.Id, milliseconds, exchange);

        // Mandatory: the first level's queue is bound for its bit, so a return means the chain was deleted under us.
        await _sendPath.PublishAsync(exchange, RabbitMqTopology.RoutingKey(@event), envelope, properties, mandatory: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declares the delay levels once per provider, on the first scheduled send; they are durable.</summary>
    private async ValueTask EnsureScheduleChainAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _scheduleChainDeclared))
        {
            return;
        }

        await _scheduleChainGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_scheduleChainDeclared)
            {
                return;
            }

            var connection = _connection.Publishing ?? throw _connection.NotStarted();
            var firstLevel = RabbitMqScheduleTopology.LevelName(_options.ExchangeName, 0);
            // A channel of its own: a refused declaration (PRECONDITION_FAILED) closes the channel it was made on.
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                try
                {
                    await _provisioner.DeclareScheduleChainAsync(channel, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationInterruptedException exception)
                {
                    throw new InvalidOperationException(
                        $"RabbitMQ at {_connection.Endpoint} refused the delay levels of scheduled sends " +
                        $"({firstLevel} …): {exception.ShutdownReason?.ReplyText}", exception);
                }
            }

            Log.ScheduleChainDeclared(_logger, RabbitMqScheduleTopology.Levels, firstLevel);
            Volatile.Write(ref _scheduleChainDeclared, true);
        }
        finally
        {
            _scheduleChainGate.Release();
        }
    }

    public IReadOnlyList<TopologyEntry> DescribeTopology(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return RabbitMqTopology.Describe(listener, _options.ExchangeName);
    }

    public async Task<IDeadLetterBrowser> OpenDeadLettersAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var connection = _connection.Publishing ?? throw _connection.NotStarted();
        return await RabbitMqDeadLetterBrowser.OpenAsync(connection, listener, _sendPath, _options.ExchangeName, _connection.Endpoint, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _connection.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _sendPath.Dispose();
        _scheduleChainGate.Dispose();
    }
}
