using Eventing.RabbitMq.Topology;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Eventing.RabbitMq.Tests.Wire;

/// <summary>A plain RabbitMQ.Client peer: a private queue bound to amq.topic, and raw publishing.</summary>
internal sealed class RawRabbit : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private RawRabbit(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<RawRabbit> ConnectAsync(uint maxInboundMessageBodySize = ConnectionFactory.DefaultMaxInboundMessageBodySize)
    {
        await TestBrokers.EnsureUpAsync();
        var connection = await new ConnectionFactory { Uri = new Uri(TestBrokers.RabbitMqUri), MaxInboundMessageBodySize = maxInboundMessageBodySize }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        return new RawRabbit(connection, channel);
    }

    /// <summary>Binds a new private queue to <paramref name="routingKey"/> and returns a task for the first message on it.</summary>
    public async Task<Task<BasicDeliverEventArgs>> ReceiveOneAsync(string routingKey)
    {
        var queue = await _channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(queue.QueueName, "amq.topic", routingKey);
        var first = new TaskCompletionSource<BasicDeliverEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // The body buffer is only valid during the callback.
            first.TrySetResult(new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray()));
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return first.Task;
    }

    public ValueTask PublishAsync(string routingKey, BasicProperties properties, byte[] body) =>
        _channel.BasicPublishAsync("amq.topic", routingKey, mandatory: false, properties, body);

    /// <summary>Publishes straight to <paramref name="queue"/> through the default exchange.</summary>
    public ValueTask PublishToQueueAsync(string queue, BasicProperties properties, byte[] body) =>
        _channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body);

    /// <summary>
    /// Declares <paramref name="queue"/> durable with <paramref name="arguments"/>: null when the broker accepted it,
    /// else its reply code (PRECONDITION_FAILED when the queue exists with other arguments).
    /// </summary>
    public async Task<ushort?> DeclareDurableQueueAsync(string queue, IDictionary<string, object?> arguments)
    {
        // A channel of its own: a refused declaration closes the channel it was made on.
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
            return null;
        }
        catch (OperationInterruptedException exception)
        {
            return exception.ShutdownReason?.ReplyCode;
        }
    }

    /// <summary>A task for the first message on an existing queue.</summary>
    public async Task<BasicDeliverEventArgs> ReceiveFromQueueAsync(string queue, TimeSpan timeout)
    {
        var first = new TaskCompletionSource<BasicDeliverEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            first.TrySetResult(new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray()));
            return Task.CompletedTask;
        };
        var tag = await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        try
        {
            return await first.Task.WaitAsync(timeout);
        }
        finally
        {
            await _channel.BasicCancelAsync(tag);
        }
    }

    /// <summary>What an operator does by hand: the queue and its messages are gone.</summary>
    public Task DeleteQueueAsync(string queue) => _channel.QueueDeleteAsync(queue);

    /// <summary>Deletes a listener's queue and dead-letter queue, so a test leaves no queue bound behind.</summary>
    public async Task DeleteListenerQueuesAsync(ListenerDescriptor listener)
    {
        await _channel.QueueDeleteAsync(listener.Queue);
        await _channel.QueueDeleteAsync(listener.DeadLetterQueue);
    }

    /// <summary>The ready messages of a queue, or null when there is no such queue.</summary>
    public async Task<uint?> MessageCountAsync(string queue)
    {
        // A channel of its own: the broker closes the channel of a passive declaration that finds no queue.
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Declares <paramref name="queue"/> non-durable, where the provider declares its queues durable: until it is
    /// deleted, the broker refuses the provider's declaration of that name (PRECONDITION_FAILED).
    /// </summary>
    public async Task DeclareConflictingQueueAsync(string queue)
    {
        await _channel.QueueDeleteAsync(queue);
        await _channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
    }

    /// <summary>Declares the dead-letter queue of a listener the way the provider does.</summary>
    public async Task DeclareDeadLetterQueueAsync(RabbitMqProvisioner provisioner, string listenerName, string eventName)
    {
        await using var channel = await _connection.CreateChannelAsync();
        await provisioner.DeclareDeadLetterQueueAsync(channel, new ListenerDescriptor(new EventDescriptor(eventName, durable: true), listenerName, perProcess: false, processId: "tests"), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
