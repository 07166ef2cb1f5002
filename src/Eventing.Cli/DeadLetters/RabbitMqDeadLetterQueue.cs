using Eventing.RabbitMq.Hosting;
using Eventing.RabbitMq.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Eventing.Cli.DeadLetters;

/// <summary>
/// AMQP 0-9-1: <c>basic.get</c> without auto-ack takes one message at a time and leaves it unacknowledged on this
/// channel; closing the channel gives back what was not acked, in its old place in the queue (RabbitMQ keeps the
/// position of requeued messages), marked redelivered. Replays are published with confirms and <c>mandatory</c>,
/// so a replay whose queue is gone fails instead of vanishing, and the dead letter is acked only after the confirm.
/// </summary>
internal sealed class RabbitMqDeadLetterQueue : IDeadLetterQueue
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _exchange;

    private RabbitMqDeadLetterQueue(IConnection connection, IChannel channel, string queue, string exchange)
    {
        _connection = connection;
        _channel = channel;
        _exchange = exchange;
        Name = queue;
    }

    public string Name { get; }

    public static async Task<RabbitMqDeadLetterQueue> OpenAsync(Uri broker, string exchange, string queue, CancellationToken cancellationToken)
    {
        var endpoint = RabbitMqEndpoint.Describe(broker, null);
        var factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = "eventing-cli dead-letters",
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.BrokerUnreachableException or AuthenticationFailureException or PossibleAuthenticationFailureException or IOException)
        {
            var refused = exception is AuthenticationFailureException or PossibleAuthenticationFailureException ||
                          exception.InnerException is AuthenticationFailureException or PossibleAuthenticationFailureException;
            throw new BrokerUnreachableException(endpoint, refused
                ? $"RabbitMQ at {endpoint} refused the credentials ({(exception.InnerException ?? exception).Message})."
                : $"could not connect to RabbitMQ at {endpoint} ({(exception.InnerException ?? exception).Message}). Is the broker running?", exception);
        }

        try
        {
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
            try
            {
                await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
            {
                throw new UsageException($"There is no queue '{queue}' on RabbitMQ at {endpoint}. `eventing topology` shows the dead-letter queue of a listener.");
            }

            return new RabbitMqDeadLetterQueue(connection, channel, queue, exchange);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        while (letters.Count < max)
        {
            var result = await _channel.BasicGetAsync(Name, autoAck: false, cancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                break;
            }

            var envelope = RabbitMqWire.FromMessage(result.BasicProperties, result.Body, result.Redelivered, NullLogger.Instance, Name);
            letters.Add(new DeadLetter(envelope, result.DeliveryTag));
        }

        return letters;
    }

    public Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken) =>
        _channel.BasicAckAsync((ulong)letter.Tag, multiple: false, cancellationToken).AsTask();

    public async Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken)
    {
        var (exchange, routingKey) = toEvent ? (_exchange, listener.Event.Name) : (string.Empty, listener.Queue);
        try
        {
            await _channel.BasicPublishAsync(exchange, routingKey, mandatory: true, RabbitMqWire.ToProperties(envelope, durable: true), envelope.Body, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PublishException exception) when (exception.IsReturn)
        {
            throw new UsageException(toEvent
                ? $"No queue is bound to event '{listener.Event.Name}' on exchange '{exchange}': message {envelope.Id} was not replayed and stays in {Name}."
                : $"Queue '{listener.Queue}' does not exist (any more): message {envelope.Id} was not replayed and stays in {Name}. Use --to-event to send it to the event's address.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing gives back every message taken and not acked.
        await _channel.DisposeAsync().ConfigureAwait(false);
        await _connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
