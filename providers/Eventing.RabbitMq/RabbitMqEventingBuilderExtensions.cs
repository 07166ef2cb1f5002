using Eventing.RabbitMq;
using Eventing.RabbitMq.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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
        var options = builder.Services.AddOptions<RabbitMqProviderOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqProviderOptions>, RabbitMqProviderOptionsValidator>());
        return builder.UseProvider(services => new RabbitMqProvider(
            services.GetRequiredService<IOptions<RabbitMqProviderOptions>>().Value,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
    }
}
