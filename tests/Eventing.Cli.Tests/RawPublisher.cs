using System.Text;
using RabbitMQ.Client;

namespace Eventing.Cli.Tests;

/// <summary>
/// Publishes bytes and headers exactly as given with RabbitMQ.Client (a producer we did not write) to amq.topic,
/// where both the RabbitMq provider and RabbitMQ's STOMP plugin route events by name.
/// </summary>
internal static class RawPublisher
{
    public static async Task PublishAsync(string routingKey, string contentType, string body, IDictionary<string, object?> headers)
    {
        var factory = new ConnectionFactory { Uri = new Uri(await TestBrokers.GetAsync("EVENTING_RABBITMQ_URI")) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, Headers = headers };
        await channel.BasicPublishAsync("amq.topic", routingKey, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }

    public static Dictionary<string, object?> CloudEventHeaders(string id, string type) => new()
    {
        ["ce_specversion"] = "1.0",
        ["ce_id"] = id,
        ["ce_type"] = type,
        ["ce_source"] = "/tests/raw",
    };
}
