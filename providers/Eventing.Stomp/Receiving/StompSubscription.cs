using System.Threading.Channels;
using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Diagnostics;
using Eventing.Stomp.Topology;
using Eventing.Stomp.Wire;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Receiving;

/// <summary>
/// One listener's consumer. It has a connection of its own, so closing that connection hands every delivery the
/// core has not settled back to the broker on both ActiveMQ and RabbitMQ (unsubscribing alone does not on
/// RabbitMQ, and NACK does not on ActiveMQ). The read loop maps each MESSAGE and writes it to the inbox the core's
/// receive pump reads, so a slow listener never stalls the connection.
/// </summary>
internal sealed class StompSubscription : IProviderSubscription
{
    // One subscription per connection, so its id never needs to differ.
    private const string SubscriptionId = "0";

    private readonly ListenerDescriptor _listener;
    private readonly StompTopology _topology;
    private readonly StompSubscriptionSpec _spec;
    private readonly int _prefetch;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly StompSession _session;
    private readonly ConsumerHealth? _health;
    private readonly Channel<Delivery> _inbox = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _disposed;

    public StompSubscription(ListenerDescriptor listener, StompTopology topology, StompEndpoints endpoints, StompProviderOptions options, ILogger logger, ConsumerHealth? health = null)
    {
        _health = health;
        _listener = listener;
        _topology = topology;
        _spec = topology.Subscription(listener);
        _prefetch = Prefetch(listener, options);
        _timeout = options.SendTimeout;
        _logger = logger;
        _session = new StompSession(endpoints, logger, OnMessage, SubscribeAsync, OnLost);
    }

    public string Destination => _spec.Destination;

    public ChannelReader<Delivery> Deliveries => _inbox.Reader;

    /// <summary>
    /// How many unacknowledged messages the broker may push: the listener's own <see cref="ListenerDescriptor.Prefetch"/>,
    /// else the provider's <see cref="StompProviderOptions.Prefetch"/>, else 20 per concurrent handler, at most 1000.
    /// </summary>
    public static int Prefetch(ListenerDescriptor listener, StompProviderOptions options) =>
        listener.Prefetch ?? options.Prefetch ?? Math.Min(1000, 20 * listener.Concurrency);

    public Task StartAsync(CancellationToken cancellationToken) => _session.StartAsync(cancellationToken);

    public Task StopReceivingAsync(CancellationToken cancellationToken)
    {
        // The subscription stays in place until DisposeAsync: deliveries already with the core must still be
        // acknowledged on this connection. What arrives meanwhile is never read and goes back to the broker when
        // the connection closes.
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _health?.Dispose();
        await _session.CloseAsync(_timeout).ConfigureAwait(false);
        _inbox.Writer.TryComplete();
    }

    /// <summary>
    /// SUBSCRIBE with a receipt, so that a refused one (unknown vhost, queue declared with other arguments) fails
    /// here, at start, with the broker's message, instead of later as a dropped connection.
    /// </summary>
    /// <exception cref="BrokerUnreachableException">No RECEIPT within <paramref name="timeout"/>.</exception>
    /// <exception cref="StompErrorFrameException">The broker refused the subscription.</exception>
    public static async Task SubscribeAsync(
        StompConnection connection, string id, StompSubscriptionSpec spec, string? prefetchHeader, int prefetch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var frame = new FrameBuffer(256);
        StompFrameEncoder.WriteCommand(frame, StompCommands.Subscribe);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, id);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Destination, spec.Destination);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Ack, "client-individual");
        if (prefetchHeader is not null)
        {
            StompFrameEncoder.WriteHeader(frame, prefetchHeader, prefetch);
        }

        foreach (var header in spec.Headers)
        {
            StompFrameEncoder.WriteHeader(frame, header.Key, header.Value);
        }

        try
        {
            await connection.SendWithReceiptAsync(frame, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new BrokerUnreachableException(
                connection.Endpoint.Display,
                $"The STOMP broker at {connection.Endpoint} did not confirm the subscription to {spec.Destination} within {timeout.TotalSeconds:0.#} s.",
                exception);
        }
    }

    // Runs on every (re)connect before the connection is handed out; a refused SUBSCRIBE fails the reconnect, which
    // is retried, and the consumer stays reported cancelled until one succeeds.
    private async Task SubscribeAsync(StompConnection connection, CancellationToken cancellationToken)
    {
        await SubscribeAsync(connection, SubscriptionId, _spec, _topology.PrefetchHeader, _prefetch, _timeout, cancellationToken).ConfigureAwait(false);
        if (_health?.Snapshot().IsConsuming == false)
        {
            _health.Restored();
            Log.SubscriptionRestored(_logger, _listener.Queue, _spec.Destination);
        }
    }

    // The subscription ends with its connection: an ERROR frame (RabbitMQ sends one when the queue is deleted,
    // "Server cancelled subscription", and the client closes on it), the broker closing the socket, a missed
    // heart-beat. The session reconnects and re-subscribes, which on RabbitMQ declares the queue again.
    private void OnLost(Exception? reason)
    {
        var why = reason?.Message ?? "the broker closed the connection";
        _health?.Cancelled($"the subscription to {_spec.Destination} ended ({why}); re-subscribing");
        Log.SubscriptionLost(_logger, _listener.Queue, _spec.Destination, why);
    }

    private void OnMessage(StompConnection connection, StompFrame frame)
    {
        // Without an ack id the MESSAGE cannot be settled (not ours to handle); the broker keeps it.
        if (frame[StompHeaders.Ack] is { } ackId)
        {
            _inbox.Writer.TryWrite(ToDelivery(frame, connection, ackId));
        }
    }

    // Never throws: a MESSAGE that cannot be read whole is still handed over, as poison, so it is dead-lettered
    // with its reason and settled; throwing here would stop this loop and leave the message unsettled.
    private StompDelivery ToDelivery(StompFrame frame, StompConnection connection, string ackId)
    {
        Envelope envelope;
        var failure = frame.Problem;
        try
        {
            envelope = StompWire.Read(frame, _logger);
        }
        catch (Exception exception)
        {
            envelope = new Envelope(string.Empty, frame.Body);
            failure ??= new MalformedEnvelopeException("the STOMP headers could not be mapped to an envelope: " + exception.Message, exception);
        }

        return failure is null
            ? new StompDelivery(envelope, connection, ackId, _topology.NackRequeues)
            : new StompDelivery(envelope, failure, connection, ackId, _topology.NackRequeues);
    }

    public override string ToString() => $"{_listener.Queue} on {_spec.Destination}";
}
