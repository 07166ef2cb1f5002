using RabbitMQ.Client;

namespace Eventing.RabbitMq.Topology;

/// <summary>
/// Declares the RabbitMQ topology of listeners over AMQP 0-9-1: the listener queue, its binding to the event
/// exchange and its dead-letter queue. The RabbitMq provider uses it, and so does Eventing.Amqp.RabbitMq, whose
/// protocol cannot declare bindings on RabbitMQ 3.x: it provisions through a 0-9-1 channel, then consumes the
/// queue by name (<see cref="RabbitMqTopology.QueueName"/>).
/// </summary>
/// <remarks>
/// Declarations are idempotent while the arguments match; a queue that exists with another type or durability
/// fails with RabbitMQ's <c>PRECONDITION_FAILED</c>, which closes the channel. Declarations made on a channel of
/// an automatically recovering connection are recorded by RabbitMQ.Client and repeated after a reconnect.
/// </remarks>
internal sealed class RabbitMqProvisioner
{
    public RabbitMqProvisioner(string exchangeName = RabbitMqTopology.DefaultExchange, RabbitMqQueueType queueType = RabbitMqQueueType.Classic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(exchangeName);
        ExchangeName = exchangeName;
        QueueType = queueType;
    }

    /// <summary>The topic exchange events are published to.</summary>
    public string ExchangeName { get; }

    /// <summary>The type of listener and dead-letter queues.</summary>
    public RabbitMqQueueType QueueType { get; }

    /// <summary>
    /// Declares the exchange as a durable topic exchange, unless it is one of the broker's own <c>amq.*</c>
    /// exchanges (they always exist and cannot be declared).
    /// </summary>
    public async Task DeclareExchangeAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (ExchangeName.StartsWith("amq.", StringComparison.Ordinal))
        {
            await channel.ExchangeDeclarePassiveAsync(ExchangeName, cancellationToken).ConfigureAwait(false);
            return;
        }

        await channel.ExchangeDeclareAsync(ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Declares the queue of <paramref name="listener"/>, binds it with the event name, and declares its dead-letter
    /// queue and its delay queues (<see cref="RabbitMqTopology.DelayQueues"/>).
    /// </summary>
    /// <returns>The name of the listener queue.</returns>
    public async Task<string> DeclareListenerAsync(IChannel channel, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var queue = RabbitMqTopology.ListenerQueue(listener, QueueType);
        await DeclareAsync(channel, queue, null, cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue.Name, ExchangeName, RabbitMqTopology.RoutingKey(listener.Event), cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeclareDeadLetterQueueAsync(channel, listener, cancellationToken).ConfigureAwait(false);
        foreach (var (delayQueue, delay) in RabbitMqTopology.DelayQueues(listener, QueueType))
        {
            await DeclareAsync(channel, delayQueue, RabbitMqTopology.DelayArguments(listener, delayQueue.Type, delay), cancellationToken).ConfigureAwait(false);
        }

        return queue.Name;
    }

    /// <summary>
    /// Declares the delay levels of scheduled sends to the exchange (<see cref="RabbitMqScheduleTopology"/>), lowest
    /// first, so that every level a message can reach exists before a message is published to one above it.
    /// </summary>
    public async Task DeclareScheduleChainAsync(IChannel channel, CancellationToken cancellationToken)
    {
        for (var level = 0; level < RabbitMqScheduleTopology.Levels; level++)
        {
            var name = RabbitMqScheduleTopology.LevelName(ExchangeName, level);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Headers, durable: true, autoDelete: false,
                RabbitMqScheduleTopology.ExchangeArguments(ExchangeName, level), cancellationToken: cancellationToken).ConfigureAwait(false);
            var queue = new QueueShape(name, Durable: true, Exclusive: false, AutoDelete: false, QueueType);
            await DeclareAsync(channel, queue, RabbitMqScheduleTopology.QueueArguments(ExchangeName, level, QueueType), cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(name, name, string.Empty, RabbitMqScheduleTopology.QueueBinding(level), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Declares the dead-letter queue of <paramref name="listener"/>.</summary>
    /// <returns>Its name.</returns>
    public async Task<string> DeclareDeadLetterQueueAsync(IChannel channel, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var queue = RabbitMqTopology.DeadLetterQueue(listener, QueueType);
        await DeclareAsync(channel, queue, null, cancellationToken).ConfigureAwait(false);
        return queue.Name;
    }

    private static Task<QueueDeclareOk> DeclareAsync(IChannel channel, QueueShape queue, Dictionary<string, object?>? arguments, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(
            queue.Name,
            durable: queue.Durable,
            exclusive: queue.Exclusive,
            autoDelete: queue.AutoDelete,
            arguments: arguments ?? RabbitMqTopology.Arguments(queue.Type),
            cancellationToken: cancellationToken);
}
