using System.Diagnostics.Metrics;
using Eventing.Health;
using Eventing.Outbox;
using Eventing.Outbox.Diagnostics;
using Eventing.Outbox.Health;
using Eventing.Outbox.Hosting;
using Eventing.Outbox.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Eventing;

/// <summary>Adds the transactional outbox to Eventing.</summary>
public static class OutboxEventingBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="IOutbox"/>, <see cref="OutboxFlusher"/>, the schema step, the relay (a hosted service), the
    /// outbox's part of the <c>eventing</c> health check (its oldest pending row against
    /// <see cref="EventingHealthOptions.OutboxMaxPendingAge"/>) and the <c>eventing.outbox.*</c> instruments of the
    /// <c>Eventing</c> meter.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddOutbox(outbox =&gt; outbox.UseSqlite("Data Source=orders.db"))
    ///     .UseRabbitMq(rabbit =&gt; rabbit.Uri = new Uri("amqp://127.0.0.1")));
    /// </code>
    /// </example>
    public static EventingBuilder AddOutbox(this EventingBuilder events, Action<OutboxBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new OutboxBuilder(events.Services);
        configure(builder);
        if (!builder.HasStore)
        {
            throw new InvalidOperationException("The outbox has no store. Call UseSqlite(...) (Eventing.Outbox.Sqlite) or UsePostgreSql(...) (Eventing.Outbox.PostgreSql) inside AddOutbox.");
        }

        var services = events.Services;
        services.AddOptions<OutboxOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<OutboxDispatcher>();
        services.TryAddSingleton<OutboxPump>();
        services.TryAddSingleton<TransactionalOutbox>();
        services.TryAddSingleton<IOutbox>(provider => provider.GetRequiredService<TransactionalOutbox>());
        services.TryAddSingleton<InFlightMessages>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxBacklogCache>();
        services.TryAddSingleton(provider => new OutboxMetrics(
            provider.GetRequiredService<OutboxBacklogCache>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<IMeterFactory>()));

        // Asked by the eventing health check (AddHealthChecks().AddEventing()) at every call, when the app adds it.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventingHealthContributor, OutboxHealthContributor>());
        services.TryAddSingleton(provider => new OutboxFlusher(provider.GetRequiredService<OutboxPump>(), provider.GetRequiredService<IOptions<OutboxOptions>>()));

        // The schema step is registered before the relay: hosted services start in registration order.
        services.AddHostedService<OutboxSchemaInitializer>();
        services.AddHostedService<OutboxRelay>();
        return events;
    }
}
