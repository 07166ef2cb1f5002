using RabbitMQ.Client;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>RabbitMQ.Client on AMQP 0-9-1: declares queues and reads or writes them past every Eventing provider.</summary>
internal sealed class Rabbit091 : IAsyncDisposable
{
    private readonly IConnection _connection;

    private Rabbit091(IConnection connection, IChannel channel)
    {
        _connection = connection;
        Channel = channel;
    }

    public IChannel Channel { get; }

    public static async Task<Rabbit091> ConnectAsync()
    {
        await Broker.EnsureUpAsync();
        var connection = await new ConnectionFactory { Uri = Broker.Amqp091Uri }.CreateConnectionAsync();
        return new Rabbit091(connection, await connection.CreateChannelAsync());
    }

    /// <summary>A durable queue bound to amq.topic with <paramref name="eventName"/>, as the RabbitMq provider declares it.</summary>
    public async Task<string> BindQueueAsync(string eventName)
    {
        var queue = $"{eventName}::probe-{Guid.NewGuid():N}";
        await Channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await Channel.QueueBindAsync(queue, "amq.topic", eventName);
        return queue;
    }

    public async Task<BasicGetResult> GetAsync(string queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await Channel.BasicGetAsync(queue, autoAck: true);
            if (result is not null)
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing arrived in {queue} within {timeout}");
            }

            // basic.get has no wait; this is the poll interval of a probe, not a guess at timing.
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Channel.CloseAsync();
        await _connection.CloseAsync();
    }
}
