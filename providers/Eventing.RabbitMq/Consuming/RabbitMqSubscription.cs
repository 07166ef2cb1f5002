using System.Threading.Channels;
using Eventing.Providers;
using Eventing.RabbitMq.Diagnostics;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Consuming;

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

    public RabbitMqSubscription(IConnection connection, IChannel channel, string queue, ILogger logger)
        : base(channel)
    {
        _connection = connection;
        _queue = queue;
        _logger = logger;
    }

    public ChannelReader<Delivery> Deliveries => _inbox.Reader;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _consumerTag = await Channel.BasicConsumeAsync(_queue, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false, arguments: null, this, cancellationToken).ConfigureAwait(false);
    }

    public override Task HandleBasicDeliverAsync(
        string consumerTag,
        ulong deliveryTag,
        bool redelivered,
        string exchange,
        string routingKey,
        IReadOnlyBasicProperties properties,
        ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
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
        try
        {
            // Bounded: a broker that is down must not hold up the listener's stop.
            await _connection.CloseAsync(Constants.ReplySuccess, "listener stopped", TimeSpan.FromSeconds(5), abort: true).ConfigureAwait(false);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
