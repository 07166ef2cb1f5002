using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Eventing.Stomp.Tests.Integration;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Interop;

/// <summary>
/// RabbitMQ 3.10 hands AMQP-1.0-published messages to STOMP subscribers with binary <c>x-amqp-1.0-*</c> header
/// values (NUL, invalid UTF-8). The decoder must drop those headers with a warning and still deliver the message.
/// </summary>
public class AmqpBinaryHeaderTests
{
    [Fact]
    public async Task A_message_published_over_amqp_1_0_is_delivered_over_stomp_with_its_binary_headers_dropped()
    {
        var logs = new CapturingLoggerFactory();
        var provider = new StompProvider(new StompProviderOptions { Uri = await TestBrokers.StompUriAsync("rabbitmq") }, logs);
        await using var _ = provider;
        await provider.StartAsync(CancellationToken.None);
        var @event = new EventDescriptor(UniqueEvent("amqp10"), durable: true);
        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(Listener(@event, "binary"), collector, CancellationToken.None);

        var amqp = await TestBrokers.AmqpUriAsync();
        var connection = await Connection.Factory.CreateAsync(new Address(amqp.Host, amqp.Port, "guest", "guest", scheme: "AMQP"));
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "binary-header-test", "/topic/" + @event.Name);
            var body = Encoding.UTF8.GetBytes("{\"orderId\":5}");
            var message = new Message
            {
                BodySection = new Data { Binary = body },
                Properties = new Properties { MessageId = "amqp-1", ContentType = "application/json" },
                Header = new Header { Durable = true },
                ApplicationProperties = new ApplicationProperties(),
            };
            message.ApplicationProperties["cloudEvents_type"] = @event.Name;
            message.ApplicationProperties["cloudEvents_id"] = "amqp-1";
            message.ApplicationProperties["count"] = 0;
            message.ApplicationProperties["blob"] = new byte[] { 0x00, 0xFF, 0xC3, 0x28, 0x0A, 0x3A, 0x5C };
            await sender.SendAsync(message);
            await sender.CloseAsync();
            await session.CloseAsync();

            var delivery = await collector.NextAsync();
            Assert.Equal(body, delivery.Envelope.Body.ToArray());
            Assert.Equal("application/json", delivery.Envelope.DataContentType);
            await delivery.AckAsync(CancellationToken.None);
        }
        finally
        {
            await connection.CloseAsync();
        }

        Assert.Contains(logs.Warnings, warning => warning.Id.Id == 3210 && warning.Message.Contains("x-amqp-1.0", StringComparison.Ordinal));
    }
}
