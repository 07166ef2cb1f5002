using Eventing;
using Eventing.Health;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Eventing health check.</summary>
public static class EventingHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the <c>eventing</c> check: Unhealthy when the broker connection, or a listener's consumer the broker
    /// cancelled, has been gone longer than <see cref="EventingHealthOptions.GracePeriod"/>, when a receive loop
    /// ended, or when the outbox's oldest pending row is older than
    /// <see cref="EventingHealthOptions.OutboxMaxPendingAge"/>; Degraded while they are coming back.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddHealthChecks().AddEventing(health => health.GracePeriod = TimeSpan.FromSeconds(15));
    /// app.MapHealthChecks("/healthz");
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddEventing(
        this IHealthChecksBuilder builder,
        Action<EventingHealthOptions>? configure = null,
        string name = "eventing",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<EventingHealthOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(health => health.GracePeriod > TimeSpan.Zero && health.OutboxMaxPendingAge > TimeSpan.Zero,
            $"{nameof(EventingHealthOptions)}.{nameof(EventingHealthOptions.GracePeriod)} and {nameof(EventingHealthOptions.OutboxMaxPendingAge)} must be positive.");
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<EventingHealthCheck>();
        return builder.Add(new HealthCheckRegistration(name, services => services.GetRequiredService<EventingHealthCheck>(), failureStatus, tags));
    }
}
