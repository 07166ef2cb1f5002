using Eventing.Amqp;
using Eventing.Amqp.Hosting;

namespace Eventing;

/// <summary>Adds the AMQP 1.0 provider to an event bus.</summary>
public static class AmqpEventingBuilderExtensions
{
    /// <summary>
    /// Moves events over AMQP 1.0: one connection, a sender link per event address sending unsettled with many
    /// sends in flight, a receiver link per listener queue with credit from its concurrency, recovery after a
    /// lost connection or link. Where events go is decided by <see cref="AmqpProviderOptions.Topology"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;()
    ///     .UseAmqp(amqp =&gt;
    ///     {
    ///         amqp.Uri = new Uri("amqp://guest:guest@127.0.0.1:5672");
    ///         amqp.UseRabbitMqProvisioning(); // package Eventing.Amqp.RabbitMq
    ///     }));
    /// </code>
    /// </example>
    public static EventingBuilder UseAmqp(this EventingBuilder builder, Action<AmqpProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseProvider<AmqpProviderOptions, AmqpProviderOptionsValidator>(
            configure, (options, loggers, _) => new AmqpProvider(options, loggers));
    }
}
