using Amqp;
using Amqp.Framing;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>Plain AMQPNetLite against the test broker: what a peer that is not Eventing sends and receives.</summary>
internal sealed class RawAmqp : IAsyncDisposable
{
    private readonly Connection _connection;
    private readonly Session _session;

    private RawAmqp(Connection connection)
    {
        _connection = connection;
        _session = new Session(connection);
    }

    public static async Task<RawAmqp> ConnectAsync()
    {
        await Broker.EnsureUpAsync();
        var factory = new ConnectionFactory();
        var connection = await factory.CreateAsync(new Address(Broker.Host, Broker.Port, "guest", "guest", "/", "AMQP"));
        return new RawAmqp(connection);
    }

    public async Task SendAsync(string address, Message message)
    {
        var sender = new SenderLink(_session, "raw-send-" + Guid.NewGuid().ToString("N"), address);
        try
        {
            await sender.SendAsync(message);
        }
        finally
        {
            await sender.CloseAsync();
        }
    }

    /// <summary>Receives <paramref name="count"/> messages from <paramref name="address"/>, accepting each.</summary>
    public async Task<IReadOnlyList<Message>> ReceiveAsync(string address, int count, TimeSpan timeout)
    {
        var receiver = new ReceiverLink(_session, "raw-receive-" + Guid.NewGuid().ToString("N"), address);
        var messages = new List<Message>();
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (messages.Count < count)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"{messages.Count} of {count} messages arrived from {address} within {timeout}.");
                }

                var message = await receiver.ReceiveAsync(left);
                if (message is null)
                {
                    continue;
                }

                receiver.Accept(message);
                messages.Add(message);
            }
        }
        finally
        {
            await receiver.CloseAsync();
        }

        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        // Bounded: RabbitMQ does not always answer a session's end (one CI run waited AMQPNetLite's default 60 s
        // and failed the test). The connection's close ends the session anyway.
        try
        {
            await _session.CloseAsync(CloseTimeout, null);
        }
        catch (Exception exception) when (exception is TimeoutException or AmqpException)
        {
        }

        await _connection.CloseAsync(CloseTimeout, null);
    }

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);
}
