using System.Collections.Concurrent;
using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Hosting;
using Eventing.Stomp.Inspection;
using Eventing.Stomp.Receiving;
using Eventing.Stomp.Sending;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp;

/// <summary>
/// The STOMP 1.2 provider. Sends share one connection (pipelined: many durable sends wait for their RECEIPT at
/// once); each listener consumes on a connection of its own. Connections come back after a broker restart and
/// subscriptions are restored.
/// </summary>
internal sealed class StompProvider : IProvider, IProviderInspector, IDelayedRedelivery, IScheduledDelivery
{
    private static readonly StompTopologyKind[] EveryKind = [StompTopologyKind.ActiveMq, StompTopologyKind.RabbitMq, StompTopologyKind.Artemis];

    private readonly StompProviderOptions _options;
    private readonly StompEndpoints _endpoints;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly StompSession _sender;
    private readonly StompSendPath _sendPath;
    private readonly ConcurrentDictionary<string, string> _destinations = new(StringComparer.Ordinal);
    private StompTopology? _topology;

    /// <param name="options">The provider's settings.</param>
    /// <param name="loggerFactory">For the provider's logs.</param>
    /// <param name="maxEnvelopeBytes">The core's <see cref="EventingOptions.MaxEnvelopeBytes"/>, which the frame limit must fit.</param>
    public StompProvider(StompProviderOptions options, ILoggerFactory? loggerFactory = null, int? maxEnvelopeBytes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = StompProviderOptionsValidator.Check(options, maxEnvelopeBytes);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _options = options;
        _endpoints = StompClientSettings.Endpoints(options);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<StompProvider>();
        // The send connection is the provider's connection in its health; each listener's own connection is
        // reported as that listener's consumer (StompSubscription), so the check is not healthy while any is down.
        Health = new ProviderHealth(_endpoints.Display);
        _sender = new StompSession(_endpoints, _logger, health: Health);
        _sendPath = new StompSendPath(_sender, _endpoints, options.SendTimeout);
    }

    public string Name => "stomp " + _endpoints.Display;

    public string MessagingSystem => "stomp";

    public ProviderHealth Health { get; }

    /// <summary>The topology in use; known after <see cref="StartAsync"/>.</summary>
    public StompTopology Topology => _topology ?? throw new InvalidOperationException($"The STOMP provider for {_endpoints} has not been started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_topology is not null)
        {
            return;
        }

        var connection = await _sender.StartAsync(cancellationToken).ConfigureAwait(false);
        _topology = StompTopology.Create(_options.Topology, connection.Server, _endpoints.Display, _options.QueueType);
        Log.TopologyChosen(_logger, _topology.Kind.ToString(), _endpoints.Display, connection.Server);
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        var topology = Topology;
        var destination = Destination(topology, @event);
        return _sendPath.SendAsync(envelope, destination, topology.SendHeaders, @event.Durable, cancellationToken);
    }

    public ValueTask ScheduleAsync(Envelope envelope, EventDescriptor @event, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var topology = Topology;
        var headers = topology.ScheduledSendHeaders(dueAt - DateTimeOffset.UtcNow) ?? throw new NotSupportedException(
            $"The STOMP provider for {_endpoints.Display} cannot hold an event until a due time on {topology.Kind} (SendOptions.Delay, ScheduleAsync): " +
            "only ActiveMQ Classic's scheduler (schedulerSupport=\"true\") can over STOMP. Schedule it through the outbox (IOutbox.ScheduleAsync) instead.");
        var destination = Destination(topology, @event);
        return _sendPath.SendAsync(envelope, destination, headers, @event.Durable, cancellationToken);
    }

    private string Destination(StompTopology topology, EventDescriptor @event) =>
        _destinations.TryGetValue(@event.Name, out var destination) ? destination : _destinations.GetOrAdd(@event.Name, topology.SendDestination(@event));

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var topology = Topology;

        // Always persistent and confirmed: the envelope is acknowledged on its queue only after the broker took it.
        return _sendPath.SendAsync(envelope, topology.DeadLetterDestination(listener), topology.DeadLetterHeaders, durable: true, cancellationToken);
    }

    public ValueTask RedeliverAsync(Envelope envelope, ListenerDescriptor listener, TimeSpan delay, CancellationToken cancellationToken)
    {
        var target = Topology.DelayedRedelivery(listener, delay) ?? throw CannotDelay(listener);

        // Persistent and confirmed like a dead letter: the core acknowledges the original only after the RECEIPT.
        return _sendPath.SendAsync(envelope, target.Destination, target.Headers, durable: true, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        // The core sees only that this provider can delay; whether the broker behind it can is known per topology.
        if (listener.Retry.Delayed.Count > 0 && Topology.DelayedRedelivery(listener, listener.Retry.Delayed[0]) is null)
        {
            throw CannotDelay(listener);
        }

        var subscription = new StompSubscription(listener, Topology, _endpoints, _options, _loggerFactory.CreateLogger<StompSubscription>(), Health.AddConsumer(listener));
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

        return subscription;
    }

    private InvalidOperationException CannotDelay(ListenerDescriptor listener) => new(
        $"Listener '{listener.Name}' asks for delayed retries (Retry(immediate: ..., delayed: [...])), but the STOMP provider for {_endpoints.Display} " +
        $"cannot delay {(listener.PerProcess ? "a per-process listener's messages" : "messages")} on {Topology.Kind}: " +
        (Topology.Kind == StompTopologyKind.ActiveMq
            ? "a per-process listener has no queue of its own there to put the copy on. Make the listener shared, or remove the delayed retries."
            : "the topology has no delayed redelivery. Remove the delayed retries, or use ActiveMQ Classic (with schedulerSupport) or RabbitMQ."));

    public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return StompProvisioner.ProvisionAsync(_endpoints, Topology, listener, _options.SendTimeout, _logger, cancellationToken);
    }

    public IReadOnlyList<TopologyEntry> DescribeTopology(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var rows = new List<TopologyEntry>(9);
        if (_topology is not null)
        {
            StompTopologyRows.Add(rows, _topology, listener);
            return rows;
        }

        // Before start the broker's kind is unknown: with Auto, describe every kind it could be.
        foreach (var kind in _options.Topology == StompTopologyKind.Auto ? EveryKind : [_options.Topology])
        {
            var queueType = kind == StompTopologyKind.RabbitMq ? _options.QueueType : StompQueueType.Classic;
            StompTopologyRows.Add(rows, StompTopology.Create(kind, string.Empty, _endpoints.Display, queueType), listener);
        }

        return rows;
    }

    public async Task<IDeadLetterBrowser> OpenDeadLettersAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        return await StompDeadLetterBrowser.OpenAsync(_endpoints, Topology, listener, _options.SendTimeout, _logger, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _sender.CloseAsync(_options.SendTimeout);

    public async ValueTask DisposeAsync()
    {
        // The connection first: closing it fails what is still in flight, which no deadline needs to end then.
        await _sender.DisposeAsync().ConfigureAwait(false);
        _sendPath.Dispose();
    }
}
