using System.Text;
using RabbitMQ.Client;

namespace Eventing.Cli.Tests;

/// <summary>
/// Publishes bytes and headers exactly as given with RabbitMQ.Client (a producer we did not write) to amq.topic,
/// where both the RabbitMq provider and RabbitMQ's STOMP plugin route events by name, or straight to one queue.
/// </summary>
internal static class RawPublisher
{
    public static Task PublishAsync(string routingKey, string contentType, string body, IDictionary<string, object?> headers) =>
        PublishAsync("amq.topic", routingKey, contentType, body, headers);

    /// <summary>Publishes to one queue only (the default exchange), so no other test's listener of that event sees it.</summary>
    public static Task PublishToQueueAsync(string queue, string contentType, string body, IDictionary<string, object?> headers) =>
        PublishAsync(string.Empty, queue, contentType, body, headers);

    private static async Task PublishAsync(string exchange, string routingKey, string contentType, string body, IDictionary<string, object?> headers)
    {
        var factory = new ConnectionFactory { Uri = new Uri(await TestBrokers.GetAsync("EVENTING_RABBITMQ_URI")) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, Headers = headers };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }

    public static Dictionary<string, object?> CloudEventHeaders(string id, string type) => new()
    {
        ["ce_specversion"] = "1.0",
        ["ce_id"] = id,
        ["ce_type"] = type,
        ["ce_source"] = "/tests/raw",
    };
}
