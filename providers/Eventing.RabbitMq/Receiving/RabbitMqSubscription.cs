using System.Threading.Channels;
using Eventing.Providers;
using Eventing.RabbitMq.Connections;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Topology;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Receiving;

/// <summary>
/// A listener's consumer: its own connection and channel (so prefetch, acks and recovery are per listener), and a
/// consumer that only maps each delivery and writes it to the inbox the core's receive pump reads.
/// </summary>
/// <remarks>
/// The hop through the inbox keeps RabbitMQ.Client's dispatcher free while a handler runs: cancelling the
/// consumer and recovering the connection never wait for user code. The inbox is bounded by the prefetch.
/// </remarks>
internal sealed class RabbitMqSubscription : AsyncDefaultBasicConsumer, IProviderSubscription
{
    private readonly IConnection _connection;
    private readonly string _queue;
    private readonly ILogger _logger;
    private readonly Channel<Delivery> _inbox = System.Threading.Channels.Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = true,
        AllowSynchronousContinuations = false,
    });

    private string? _consumerTag;
    private int _stopped;

    private RabbitMqSubscription(IConnection connection, IChannel channel, string queue, ILogger logger)
        : base(channel)
    {
        _connection = connection;
        _queue = queue;
        _logger = logger;
    }

    public ChannelReader<Delivery> Deliveries => _inbox.Reader;

    /// <summary>Declares the listener's queues on a connection of its own and starts consuming with <paramref name="prefetch"/>.</summary>
    public static async Task<RabbitMqSubscription> StartAsync(
        RabbitMqConnection connections, RabbitMqProvisioner provisioner, ListenerDescriptor listener, ushort prefetch, ILogger logger, CancellationToken cancellationToken)
    {
        // Each listener consumes on a connection of its own, away from the sends: RabbitMQ.Client 7.2 queues at most
        // 128 outgoing frames per connection, and when its write loop dies with the socket (a broker restart) the
        // frames written after that fill the queue and wedge the connection's reader until three heartbeats have
        // passed. A listener's acknowledgements are bounded by its prefetch (at most MaxPrefetch, below that queue),
        // so its connection always notices the broker going away and recovers at once, whatever the sends do.
        var connection = await connections.OpenListenerAsync(listener.Queue, cancellationToken).ConfigureAwait(false);
        try
        {
            // One consumer dispatch at a time per channel: the subscription hands deliveries to the core in order.
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, null, 1), cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var queue = await provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
            var subscription = new RabbitMqSubscription(connection, channel, queue, logger);
            subscription._consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, subscription, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            // Closes the channel too.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        // Nothing a message contains may throw here: RabbitMQ.Client would log it and the delivery would hold a
        // prefetch slot forever. What cannot be mapped goes to the core as a decode failure, which dead-letters it.
        var envelope = RabbitMqWire.FromMessage(properties, body, redelivered, _logger, _queue, out var failure);
        var delivery = failure is null
            ? new RabbitMqDelivery(Channel, deliveryTag, envelope)
            : new RabbitMqDelivery(Channel, deliveryTag, envelope, failure);
        // Never fails: the inbox is unbounded (the prefetch bounds it) and only completed at dispose, after the
        // channel that delivers here was closed.
        _inbox.Writer.TryWrite(delivery);
        return Task.CompletedTask;
    }

    protected override Task OnCancelAsync(string[] consumerTags, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _stopped) == 0)
        {
            Log.ConsumerCancelledByBroker(_logger, _queue);
        }

        return Task.CompletedTask;
    }

    public async Task StopReceivingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _consumerTag is null)
        {
            return;
        }

        try
        {
            if (Channel.IsOpen)
            {
                await Channel.BasicCancelAsync(_consumerTag, noWait: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The channel is gone (connection lost): the broker has cancelled the consumer and requeued its messages.
            Log.SettleFailed(_logger, exception, _queue);
        }

        // Deliveries still in the inbox are not read any more; they go back to the queue when the channel closes.
    }

    public async ValueTask DisposeAsync()
    {
        await StopReceivingAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // Closing the channel gives every unacknowledged message back to the queue.
            await Channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.SettleFailed(_logger, exception, _queue);
        }

        _inbox.Writer.TryComplete();
        Channel.Dispose();
        // Bounded: a broker that is down must not hold up the listener's stop.
        await RabbitMqConnection.CloseQuietlyAsync(_connection, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }
}
