using System.Collections.Concurrent;
using Eventing.Amqp.Connections;
using Eventing.Amqp.Inspection;
using Eventing.Amqp.Receiving;
using Eventing.Amqp.Sending;
using Eventing.Amqp.Topology;
using Eventing.Providers;
using Microsoft.Extensions.Logging;

namespace Eventing.Amqp;

/// <summary>
/// The AMQP 1.0 provider: moves envelopes over one AMQPNetLite connection, to and from the addresses its
/// <see cref="AmqpTopology"/> names. Provisioning (queues, bindings) is delegated to an
/// <see cref="IAmqpProvisioner"/> when the topology needs one.
/// </summary>
internal sealed class AmqpProvider : IProvider, IProviderInspector, IDelayedRedelivery
{
    private readonly AmqpProviderOptions _options;
    private readonly AmqpTopology _topology;
    private readonly ILoggerFactory _loggerFactory;
    private readonly AmqpConnection _connection;
    private readonly AmqpSendPath _sendPath;
    private readonly ConcurrentDictionary<string, AmqpTerminus> _targets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<AmqpSubscription, byte> _subscriptions = new();

    public AmqpProvider(AmqpProviderOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _topology = options.Topology;
        _loggerFactory = loggerFactory;
        _connection = new AmqpConnection(options, loggerFactory.CreateLogger<AmqpConnection>());
        _sendPath = new AmqpSendPath(_connection, options.SendTimeout, loggerFactory.CreateLogger<AmqpSendPath>());
        Name = $"amqp {_connection.Endpoint} ({_topology.Name})";
    }

    public string Name { get; }

    public string MessagingSystem => "amqp";

    public ProviderHealth Health => _connection.Health;

    internal AmqpConnection Connection => _connection;

    /// <summary>Given to each new subscription; see <see cref="AmqpSubscription.OnTransferForTests"/>.</summary>
    internal Action<global::Amqp.ReceiverLink>? OnTransferForTests { get; set; }

    internal IReadOnlyCollection<AmqpSubscription> Subscriptions => (IReadOnlyCollection<AmqpSubscription>)_subscriptions.Keys;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The options validator says the same at host start; this covers a provider built by hand.
        if (_topology.RequiresProvisioning && _options.Provisioner is null)
        {
            throw new InvalidOperationException(
                $"AmqpProviderOptions.Provisioner is not set, but the {_topology.Name} topology needs one. {_topology.ProvisioningHint}");
        }

        return _connection.StartAsync(cancellationToken);
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        if (!_targets.TryGetValue(@event.Name, out var target))
        {
            target = _targets.GetOrAdd(@event.Name, _ => _topology.SendTarget(@event));
        }

        return _sendPath.SendAsync(target, envelope, @event.Durable, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        EnsureCanDelay(listener);
        var subscription = new AmqpSubscription(
            _connection,
            _options,
            _topology.ListenSource(listener),
            listener,
            _loggerFactory.CreateLogger<AmqpSubscription>(),
            Health.AddConsumer(listener))
        {
            OnTransferForTests = OnTransferForTests,
        };
        try
        {
            await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Never subscribed: nothing to report on.
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _subscriptions.TryAdd(subscription, 0);
        return new Tracked(subscription, this);
    }

    public async Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        EnsureCanDelay(listener);
        if (_topology.RequiresProvisioning && _options.Provisioner is { } provisioner)
        {
            await provisioner.ProvisionListenerAsync(listener, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (listener.PerProcess)
        {
            // A per-process queue lives only as long as its consumer; there is nothing to keep.
            return;
        }

        // Brokers that create queues on attach (Artemis): attaching the listener's receiver creates its durable
        // queue, which stays after the link closes; anything delivered meanwhile is released back to it.
        var subscription = new AmqpSubscription(_connection, _options, _topology.ListenSource(listener), listener, _loggerFactory.CreateLogger<AmqpSubscription>());
        try
        {
            await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    public IReadOnlyList<TopologyEntry> DescribeTopology(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var broker = "amqp/" + _topology.Name;
        return
        [
            new(broker, TopologyEntry.Address, _topology.SendTarget(listener.Event).ToString(), "sender target"),
            new(broker, TopologyEntry.Queue, _topology.ListenSource(listener).ToString(),
                _topology.RequiresProvisioning ? "receiver source; queue and binding declared over AMQP 0-9-1 (AMQP 1.0 on 3.x cannot)" : "receiver source"),
            new(broker, TopologyEntry.DeadLetterQueue, _topology.DeadLetterTarget(listener).ToString(), "sender target"),
        ];
    }

    public async Task<IDeadLetterBrowser> OpenDeadLettersAsync(ListenerDescriptor listener, CancellationToken cancellationToken) =>
        await AmqpDeadLetterBrowser.OpenAsync(_options, listener, cancellationToken).ConfigureAwait(false);

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) =>
        _sendPath.SendAsync(_topology.DeadLetterTarget(listener), envelope, durable: true, cancellationToken);

    public ValueTask RedeliverAsync(Envelope envelope, ListenerDescriptor listener, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);

        // Each delay has a queue of its own, declared only for the delays the listener was configured with.
        if (!listener.Retry.Delayed.Contains(delay))
        {
            throw new ArgumentException($"Listener '{listener.Name}' has no delayed retry of {delay}; its delays are {string.Join(", ", listener.Retry.Delayed)}.", nameof(delay));
        }

        var target = _topology.DelayTarget(listener, delay)
            ?? throw new InvalidOperationException($"The {_topology.Name} topology cannot delay messages (listener '{listener.Name}').");
        return _sendPath.SendAsync(target, envelope, durable: true, cancellationToken);
    }

    /// <summary>
    /// Refuses a listener with delayed retries before anything is attached when nothing would declare its delay
    /// queues: otherwise its first delayed retry would fail, after the handler had already failed.
    /// </summary>
    private void EnsureCanDelay(ListenerDescriptor listener)
    {
        if (listener.Retry.Delayed.Count == 0)
        {
            return;
        }

        if (_topology.DelayTarget(listener, listener.Retry.Delayed[0]) is null)
        {
            throw new InvalidOperationException(
                $"Listener '{listener.Name}' asks for delayed retries (Retry(immediate: ..., delayed: [...])), but the AMQP 1.0 provider's {_topology.Name} topology " +
                "cannot hand a message back to the broker for later. Remove the delayed retries, or use the RabbitMQ topology.");
        }

        if (_topology.RequiresProvisioning && _options.Provisioner is not IAmqpDelayProvisioner)
        {
            throw new InvalidOperationException(
                $"Listener '{listener.Name}' asks for delayed retries (Retry(immediate: ..., delayed: [...])), but the AMQP 1.0 provider's provisioner does not declare " +
                $"delay queues, which AMQP 1.0 on the {_topology.Name} topology cannot declare itself. Call amqp.UseRabbitMqProvisioning() (package Eventing.Amqp.RabbitMq), or remove the delayed retries.");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Bounded like a connect: a broker that does not answer must not hold up the host's shutdown.
        try
        {
            await _sendPath.CloseLinksAsync(_options.ConnectTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's stop ran out of time: close at once.
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        await _sendPath.CloseLinksAsync(_options.ConnectTimeout).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (_options.Provisioner is { } provisioner)
        {
            await provisioner.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Forgets a subscription once it is disposed, so the provider only disposes live ones.</summary>
    private sealed class Tracked(AmqpSubscription inner, AmqpProvider owner) : IProviderSubscription
    {
        public System.Threading.Channels.ChannelReader<Delivery> Deliveries => inner.Deliveries;

        public Task StopReceivingAsync(CancellationToken cancellationToken) => inner.StopReceivingAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            owner._subscriptions.TryRemove(inner, out _);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
