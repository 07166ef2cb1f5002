using Eventing.Providers;
using Eventing.RabbitMq.Sending;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq.Inspection;

/// <summary>
/// A listener's dead-letter queue, on a channel of the provider's publishing connection. <c>basic.get</c> without
/// auto-ack takes one message at a time and leaves it unacknowledged on this channel; closing the channel gives
/// back what was not acked, in its old place in the queue (RabbitMQ keeps the position of requeued messages),
/// marked redelivered. Resends go through the provider's send path, confirmed and <c>mandatory</c>, so one whose
/// queue is gone fails instead of vanishing, and the caller removes the dead letter only after the confirm.
/// </summary>
internal sealed class RabbitMqDeadLetterBrowser : IDeadLetterBrowser
{
    private readonly IChannel _channel;
    private readonly RabbitMqSendPath _sendPath;
    private readonly string _exchange;

    private RabbitMqDeadLetterBrowser(IChannel channel, string queue, RabbitMqSendPath sendPath, string exchange)
    {
        _channel = channel;
        _sendPath = sendPath;
        _exchange = exchange;
        Name = queue;
    }

    public string Name { get; }

    public static async Task<RabbitMqDeadLetterBrowser> OpenAsync(
        IConnection connection, ListenerDescriptor listener, RabbitMqSendPath sendPath, string exchange, string endpoint, CancellationToken cancellationToken)
    {
        var queue = listener.DeadLetterQueue;
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return new RabbitMqDeadLetterBrowser(channel, queue, sendPath, exchange);
        }
        catch (Exception exception)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            if (exception is OperationInterruptedException refused)
            {
                throw new InvalidOperationException(refused.ShutdownReason?.ReplyCode == Constants.NotFound
                    ? $"There is no queue '{queue}' on RabbitMQ at {endpoint}. `eventing topology` shows the dead-letter queue of a listener."
                    : $"RabbitMQ at {endpoint} refused access to queue '{queue}': {refused.ShutdownReason?.ReplyText}.", exception);
            }

            throw;
        }
    }

    // basic.get answers at once, with nothing when the queue is empty: there is no quiet period to wait out.
    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        while (letters.Count < max && await _channel.BasicGetAsync(Name, autoAck: false, cancellationToken).ConfigureAwait(false) is { } result)
        {
            var envelope = RabbitMqWire.FromMessage(result.BasicProperties, result.Body, result.Redelivered, NullLogger.Instance, Name, out _);
            letters.Add(new RabbitMqDeadLetter(envelope, result.DeliveryTag));
        }

        return letters;
    }

    public Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken) =>
        _channel.BasicAckAsync(((RabbitMqDeadLetter)letter).DeliveryTag, multiple: false, cancellationToken).AsTask();

    public async Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(listener);
        var (exchange, routingKey) = toEvent ? (_exchange, listener.Event.Name) : (string.Empty, listener.Queue);
        try
        {
            await _sendPath.PublishAsync(exchange, routingKey, envelope, durable: true, mandatory: true, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is PublishException { IsReturn: true })
        {
            throw new InvalidOperationException(toEvent
                ? $"No queue is bound to event '{listener.Event.Name}' on exchange '{exchange}': message {envelope.Id} was not replayed and stays in {Name}."
                : $"Queue '{listener.Queue}' does not exist (any more): message {envelope.Id} was not replayed and stays in {Name}. Use --to-event to send it to the event's address.",
                exception.InnerException);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing gives back every message taken and not acked.
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AlreadyClosedException or OperationInterruptedException)
        {
            // Closed with its connection: the broker gave the messages back then.
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
