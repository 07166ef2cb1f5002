using Eventing;
using Eventing.Diagnostics;
using Eventing.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Eventing in a service collection.</summary>
public static class EventingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the event bus: <see cref="IEventManager"/>, the listeners, the pipelines, the provider, and a hosted
    /// service that starts and stops them with the host.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;(listener =&gt; listener.Concurrency(4).Retry(attempts: 5))
    ///     .AddPipeline&lt;SessionPipeline&gt;()
    ///     .UseLocal());
    /// </code>
    /// </example>
    public static IServiceCollection AddEventing(this IServiceCollection services, Action<EventingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var existing = services.FirstOrDefault(service => service.ServiceType == typeof(EventingSetup))?.ImplementationInstance as EventingSetup;
        var setup = existing ?? new EventingSetup(services);
        configure(new EventingBuilder(services, setup));
        if (!setup.HasProvider)
        {
            throw new InvalidOperationException(
                "Eventing has no provider. Call one of UseLocal() (in-process, no broker), UseRabbitMq(...), UseAmqp(...) or UseStomp(...) inside AddEventing.");
        }

        if (existing is not null)
        {
            return services;
        }

        services.AddSingleton(setup);
        services.AddOptions<EventingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventingOptions>, EventingOptionsValidator>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(serviceProvider => new EventingMetrics(serviceProvider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<EventingTracing>();
        services.TryAddSingleton<EventRegistry>();
        services.TryAddSingleton<EventManager>();
        services.TryAddSingleton<IEventManager>(serviceProvider => serviceProvider.GetRequiredService<EventManager>());
        services.TryAddSingleton<Eventing.Providers.IEnvelopeSender>(serviceProvider => serviceProvider.GetRequiredService<EventManager>());
        services.AddHostedService<EventingHostedService>();
        return services;
    }
}
