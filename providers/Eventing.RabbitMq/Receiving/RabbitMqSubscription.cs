using System.Threading.Channels;
using Eventing.Providers;
using Eventing.RabbitMq.Connections;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Topology;
using Eventing.RabbitMq.Wire;
using Eventing.Retry;
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
/// RabbitMQ.Client recovers the consumer after a lost connection, but not after the broker cancelled it (the queue
/// was deleted): the subscription then declares the listener's topology again and consumes anew, backing off
/// while that fails (see RestoreAsync).
/// </remarks>
internal sealed class RabbitMqSubscription : AsyncDefaultBasicConsumer, IProviderSubscription
{
    private static readonly TimeSpan RestoreDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRestoreDelay = TimeSpan.FromSeconds(30);

    private readonly RabbitMqConnection _connections;
    private readonly IConnection _connection;
    private readonly RabbitMqProvisioner _provisioner;
    private readonly ListenerDescriptor _listener;
    private readonly string _queue;
    private readonly ILogger _logger;
    private readonly ConsumerHealth _health;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<Delivery> _inbox = System.Threading.Channels.Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = true,
        AllowSynchronousContinuations = false,
    });

    private volatile string? _consumerTag;
    private volatile Task _restoring = Task.CompletedTask;
    private int _stopped;

    private RabbitMqSubscription(RabbitMqConnection connections, IConnection connection, IChannel channel, RabbitMqProvisioner provisioner, ListenerDescriptor listener, string queue, ILogger logger)
        : base(channel)
    {
        _connections = connections;
        _connection = connection;
        _provisioner = provisioner;
        _listener = listener;
        _queue = queue;
        _logger = logger;
        _health = connections.Health.AddConsumer(listener);
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
        RabbitMqSubscription? subscription = null;
        try
        {
            // One consumer dispatch at a time per channel: the subscription hands deliveries to the core in order.
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, null, 1), cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
            var queue = await provisioner.DeclareListenerAsync(channel, listener, cancellationToken).ConfigureAwait(false);
            subscription = new RabbitMqSubscription(connections, connection, channel, provisioner, listener, queue, logger);
            subscription._consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, subscription, cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            subscription?._health.Dispose();
            // Closes the channel too.
            await connections.CloseListenerAsync(connection).ConfigureAwait(false);
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

    // basic.cancel from the broker (our own cancel ends in HandleBasicCancelOkAsync): the queue was deleted, or a
    // node of a replicated queue went away.
    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        _consumerTag = null;
        _health.Cancelled("the broker cancelled the consumer: queue deleted?");
        Log.ConsumerCancelledByBroker(_logger, _queue);
        // Off the dispatcher: declaring and consuming are calls whose answers this dispatcher would hand over.
        _restoring = Task.Run(() => RestoreAsync(consumerTag), CancellationToken.None);
    }

    // Dispatched in order with the cancellations, so a consumer the broker cancels right after it was registered is
    // never reported as restored. Also after RabbitMQ.Client registered it again on a recovered connection.
    public override async Task HandleBasicConsumeOkAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicConsumeOkAsync(consumerTag, cancellationToken).ConfigureAwait(false);
        _health.Restored();
    }

    /// <summary>Declares the listener's queue, dead-letter queue and binding again and consumes anew, until that works or the listener stops.</summary>
    private async Task RestoreAsync(string cancelledTag)
    {
        try
        {
            _consumerTag = await RetryLoop.RunAsync(
                async (_, cancellationToken) =>
                {
                    // A channel of its own: a refused declaration closes the channel it was made on, and the
                    // consumer's channel holds the deliveries in flight.
                    var declaring = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    await using (declaring.ConfigureAwait(false))
                    {
                        await _provisioner.DeclareListenerAsync(declaring, _listener, cancellationToken).ConfigureAwait(false);
                    }

                    Log.ListenerTopologyDeclared(_logger, _queue);
                    // RabbitMQ.Client 7.2 keeps the cancelled consumer in its recorded topology and would register it
                    // again beside the new one on the next connection recovery; no-wait, as the broker no longer knows it.
                    await Channel.BasicCancelAsync(cancelledTag, noWait: true, cancellationToken).ConfigureAwait(false);
                    return await Channel.BasicConsumeAsync(_queue, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, this, cancellationToken).ConfigureAwait(false);
                },
                new Backoff(RestoreDelay, MaxRestoreDelay),
                (exception, tries, wait) =>
                {
                    Log.ConsumerRestoreFailed(_logger, exception, _queue, tries, wait.TotalSeconds);
                    return true;
                },
                _stopping.Token).ConfigureAwait(false);
            Log.ConsumerRestored(_logger, _queue);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The listener stopped meanwhile.
        }
    }

    public async Task StopReceivingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // A restore under way ends at once; then the consumer it may have registered is the one to cancel.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _restoring.ConfigureAwait(false);
        try
        {
            if (_consumerTag is { } consumerTag && Channel.IsOpen)
            {
                await Channel.BasicCancelAsync(consumerTag, noWait: false, cancellationToken).ConfigureAwait(false);
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
        _health.Dispose();
        // Bounded: a broker that is down must not hold up the listener's stop.
        await _connections.CloseListenerAsync(_connection).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
