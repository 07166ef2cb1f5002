using Eventing.RabbitMq;
using Eventing.RabbitMq.Hosting;

namespace Eventing;

/// <summary>Adds the RabbitMQ provider to an event bus.</summary>
public static class RabbitMqEventingBuilderExtensions
{
    /// <summary>
    /// Moves events over RabbitMQ (AMQP 0-9-1): published to a topic exchange with the event name as routing key,
    /// consumed from one queue per listener, durable events persistent and confirmed, connections and consumers
    /// recovered by themselves.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;()
    ///     .UseRabbitMq(rabbit =&gt; rabbit.Uri = new Uri("amqp://guest:guest@127.0.0.1:5672/")));
    /// </code>
    /// </example>
    public static EventingBuilder UseRabbitMq(this EventingBuilder builder, Action<RabbitMqProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseProvider<RabbitMqProviderOptions, RabbitMqProviderOptionsValidator>(
            configure, (options, loggers, _) => new RabbitMqProvider(options, loggers));
    }
}
