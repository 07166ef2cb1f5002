using Eventing.Idempotency;
using Eventing.Idempotency.Diagnostics;
using Eventing.Idempotency.Pipelines;
using Eventing.Idempotency.Hosting;
using Eventing.Idempotency.Locks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Eventing;

/// <summary>Adds idempotent listeners and per-key locks to Eventing.</summary>
public static class IdempotencyEventingBuilderExtensions
{
    /// <summary>
    /// Makes listeners marked <see cref="IdempotentAttribute"/> or <c>.Idempotent(...)</c> skip duplicates, and
    /// listeners marked <c>.Sequential(...)</c> run one event per key at a time. Choose a store inside.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;(listener =&gt; listener.Idempotent(TimeSpan.FromDays(1)).Sequential&lt;OrderPlaced&gt;(e =&gt; e.OrderId))
    ///     .AddIdempotency(idempotency =&gt; idempotency.UseRedis("127.0.0.1:6379"))
    ///     .UseLocal());
    /// </code>
    /// </example>
    public static EventingBuilder AddIdempotency(this EventingBuilder events, Action<IdempotencyBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(configure);
        var services = events.Services;
        configure(new IdempotencyBuilder(services));
        services.AddOptions<IdempotencyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdempotencyOptions>, IdempotencyOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new IdempotencyMetrics(provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<LocalKeyLock>();
        services.TryAddScoped<IdempotencyScope>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEnvelopePipeline, IdempotencyPipeline>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, IdempotencyCleanupService>());
        return events;
    }
}
