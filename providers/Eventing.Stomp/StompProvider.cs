using System.Collections.Concurrent;
using Eventing.Providers;
using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Hosting;
using Eventing.Stomp.Messages;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Eventing.Stomp;

/// <summary>
/// The STOMP 1.2 provider. Sends share one connection (pipelined: many durable sends wait for their RECEIPT at
/// once); each listener consumes on a connection of its own. Connections come back after a broker restart and
/// subscriptions are restored.
/// </summary>
internal sealed class StompProvider : IProvider
{
    private readonly StompProviderOptions _options;
    private readonly StompEndpoints _endpoint;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly StompSession _sender;
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
        _endpoint = new StompEndpoints(options);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<StompProvider>();
        _sender = new StompSession(_endpoint, options, _logger);
    }

    public string Name => "stomp " + _endpoint.Display;

    /// <summary>The topology in use; known after <see cref="StartAsync"/>.</summary>
    public StompTopology Topology => _topology ?? throw new InvalidOperationException($"The STOMP provider for {_endpoint} has not been started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_topology is not null)
        {
            return;
        }

        var connection = await _sender.StartAsync(cancellationToken).ConfigureAwait(false);
        _topology = StompTopology.Create(_options.Topology, connection.Server, _endpoint.Display, _options.QueueType);
        Log.TopologyChosen(_logger, _topology.Kind.ToString(), _endpoint.Display, connection.Server);
    }

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        var topology = Topology;
        if (!_destinations.TryGetValue(@event.Name, out var destination))
        {
            destination = _destinations.GetOrAdd(@event.Name, topology.SendDestination(@event));
        }

        return SendAsync(envelope, destination, topology.SendHeaders, @event.Durable, cancellationToken);
    }

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var topology = Topology;

        // Always persistent and confirmed: the envelope is acknowledged on its queue only after the broker took it.
        return SendAsync(envelope, topology.DeadLetterDestination(listener), topology.DeadLetterHeaders, durable: true, cancellationToken);
    }

    public async Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var subscription = new StompSubscription(listener, Topology, _endpoint, _options, _loggerFactory.CreateLogger<StompSubscription>());
        await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _sender.CloseAsync(_options.SendTimeout);

    public async ValueTask DisposeAsync() => await _sender.DisposeAsync().ConfigureAwait(false);

    private ValueTask SendAsync(Envelope envelope, string destination, KeyValuePair<string, string>[] headers, bool durable, CancellationToken cancellationToken)
    {
        // Non-durable events are fire-and-forget once queued for the socket; no await, no allocation beyond the frame.
        if (!durable && _sender.Current is { } connection)
        {
            try
            {
                connection.Enqueue(StompEnvelopes.EncodeSend(envelope, destination, headers, persistent: false, receipt: 0));
                return default;
            }
            catch (StompConnectionLostException)
            {
                // Lost between the check and the write: fall through to the waiting path.
            }
        }

        return SendConfirmedAsync(envelope, destination, headers, durable, cancellationToken);
    }

    private async ValueTask SendConfirmedAsync(Envelope envelope, string destination, KeyValuePair<string, string>[] headers, bool durable, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)_options.SendTimeout.TotalMilliseconds;
        while (true)
        {
            var remaining = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            var connection = await _sender.GetConnectionAsync(remaining, cancellationToken).ConfigureAwait(false);
            if (!durable)
            {
                try
                {
                    connection.Enqueue(StompEnvelopes.EncodeSend(envelope, destination, headers, persistent: false, receipt: 0));
                    return;
                }
                catch (StompConnectionLostException)
                {
                    continue;
                }
            }

            try
            {
                // Encoded without a receipt: the connection's writer loop puts one receipt on the last SEND of each
                // run to one destination, and that RECEIPT confirms this send too (see StompConnection).
                var receipt = connection.EnqueueConfirmed(StompEnvelopes.EncodeSend(envelope, destination, headers, persistent: true, receipt: 0), destination);
                remaining = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
                await receipt.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StompConnectionLostException) when (Environment.TickCount64 < deadline)
            {
                // The connection died before the RECEIPT: send again on the next one (at-least-once; the
                // envelope id lets idempotent listeners drop the duplicate).
            }
            catch (TimeoutException exception)
            {
                throw new BrokerUnreachableException(
                    _endpoint.Display,
                    $"The STOMP broker at {_endpoint} did not confirm event {envelope.Type} (id {envelope.Id}) to {destination} within {_options.SendTimeout.TotalSeconds:0.#} s (StompProviderOptions.SendTimeout).",
                    exception);
            }
        }
    }
}
