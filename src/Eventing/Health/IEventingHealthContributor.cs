using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Health;

/// <summary>
/// A part of Eventing besides the provider that the <c>eventing</c> health check asks at every check (the outbox
/// registers one). Register it as a singleton in the bus's service collection.
/// </summary>
public interface IEventingHealthContributor
{
    /// <summary>
    /// The state now: Healthy, Degraded or Unhealthy with a description and data that name what is wrong (never a
    /// secret). The check's own timeout bounds the call.
    /// </summary>
    Task<HealthCheckResult> CheckAsync(EventingHealthOptions options, CancellationToken cancellationToken);
}
