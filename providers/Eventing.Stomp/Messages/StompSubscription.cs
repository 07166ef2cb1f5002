using System.Threading.Channels;
using Eventing.Providers;
using Eventing.Stomp.Protocol;
using Eventing.Stomp.Topology;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Messages;

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
    private readonly StompProviderOptions _options;
    private readonly ILogger _logger;
    private readonly StompSession _session;
    private readonly Channel<Delivery> _inbox = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _disposed;

    public StompSubscription(
        ListenerDescriptor listener, StompTopology topology, StompEndpoints endpoint, StompProviderOptions options, ILogger logger)
    {
        _listener = listener;
        _topology = topology;
        _spec = topology.Subscription(listener);
        _prefetch = options.Prefetch ?? Math.Min(1000, 20 * listener.Concurrency);
        _options = options;
        _logger = logger;
        _session = new StompSession(endpoint, options, logger, OnMessage, SubscribeAsync);
    }

    public string Destination => _spec.Destination;

    public ChannelReader<Delivery> Deliveries => _inbox.Reader;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _session.StartAsync(cancellationToken).ConfigureAwait(false);
    }

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

        await _session.CloseAsync(_options.SendTimeout).ConfigureAwait(false);
        _inbox.Writer.TryComplete();
    }

    private void OnMessage(StompConnection connection, StompFrame frame)
    {
        // Without an ack id the MESSAGE cannot be settled (not ours to handle); the broker keeps it.
        if (frame[StompHeaders.Ack] is { } ackId)
        {
            _inbox.Writer.TryWrite(ToDelivery(frame, connection, ackId));
        }
    }

    private async Task SubscribeAsync(StompConnection connection, CancellationToken cancellationToken)
    {
        var frame = new FrameBuffer(256);
        StompFrameEncoder.WriteCommand(frame, StompCommands.Subscribe);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Id, SubscriptionId);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Destination, _spec.Destination);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Ack, "client-individual");
        if (_topology.PrefetchHeader is { } prefetchHeader)
        {
            StompFrameEncoder.WriteHeader(frame, prefetchHeader, _prefetch);
        }

        foreach (var header in _spec.Headers)
        {
            StompFrameEncoder.WriteHeader(frame, header.Key, header.Value);
        }

        // A receipt makes a refused SUBSCRIBE (unknown vhost, queue declared with other arguments) fail here, at
        // start, with the broker's message, instead of later as a dropped connection.
        var id = connection.RegisterReceipt(out var receipt);
        StompFrameEncoder.WriteHeader(frame, StompHeaders.Receipt, id);
        StompFrameEncoder.WriteEnd(frame);
        connection.Enqueue(frame);
        try
        {
            await receipt.WaitAsync(_options.SendTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            connection.AbandonReceipt(id);
            throw new BrokerUnreachableException(
                connection.Endpoint.Display,
                $"The STOMP broker at {connection.Endpoint} did not confirm the subscription to {_spec.Destination} within {_options.SendTimeout.TotalSeconds:0.#} s.",
                exception);
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
            envelope = StompEnvelopes.Read(frame, _logger);
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
