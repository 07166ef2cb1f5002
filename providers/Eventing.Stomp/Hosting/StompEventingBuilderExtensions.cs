using Eventing.Stomp;
using Eventing.Stomp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing;

/// <summary>Adds the STOMP provider to an <see cref="EventingBuilder"/>.</summary>
public static class StompEventingBuilderExtensions
{
    /// <summary>
    /// Moves events over STOMP 1.2 (ActiveMQ Classic, RabbitMQ's STOMP plugin, ActiveMQ Artemis). The destination
    /// mapping follows the broker's <c>server</c> header unless <see cref="StompProviderOptions.Topology"/> says
    /// otherwise. Options are validated when the host starts.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;()
    ///     .UseStomp(stomp =&gt; stomp.Uri = new Uri("stomp://admin:admin@127.0.0.1:61613")));
    /// </code>
    /// </example>
    public static EventingBuilder UseStomp(this EventingBuilder builder, Action<StompProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.UseProvider<StompProviderOptions, StompProviderOptionsValidator>(
            configure,
            (options, loggers, services) => new StompProvider(options, loggers, services.GetRequiredService<IOptions<EventingOptions>>().Value.MaxEnvelopeBytes));
    }
}
