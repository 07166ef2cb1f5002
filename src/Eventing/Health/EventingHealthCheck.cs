using Eventing.Hosting;
using Eventing.Providers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Eventing.Health;

/// <summary>
/// The <c>eventing</c> health check. Every call reads the truth now: the provider's connection and the consumers it
/// reports, every receive loop, and each contributor (the outbox). Unhealthy when the connection or a consumer has
/// been gone longer than the grace period, or a receive loop ended; Degraded while they are coming back.
/// </summary>
internal sealed class EventingHealthCheck(
    EventManager manager,
    IOptionsMonitor<EventingHealthOptions> options,
    IEnumerable<IEventingHealthContributor> contributors,
    TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Get(context.Registration.Name);
        var report = new HealthReportBuilder();
        report.Data["provider"] = manager.Provider.Name;
        if (!manager.IsStarted)
        {
            report.Add(HealthStatus.Degraded, "Eventing is starting: listeners are not subscribed yet.");
        }

        if (manager.Provider.Health is { } health)
        {
            CheckProvider(health.Snapshot(), settings.GracePeriod, report);
        }

        foreach (var pump in manager.Pumps())
        {
            if (pump.HasEndedUnexpectedly)
            {
                report.Add(HealthStatus.Unhealthy, $"The receive loop of listener {pump.Listener.Name} (queue {pump.Listener.Queue}) ended: it receives nothing.");
                report.Data[$"listener.{pump.Listener.Name}"] = $"queue {pump.Listener.Queue}: receive loop ended";
            }
        }

        foreach (var contributor in contributors)
        {
            var part = await contributor.CheckAsync(settings, cancellationToken).ConfigureAwait(false);
            report.Add(part);
        }

        return report.Build();
    }

    private void CheckProvider(ProviderHealthSnapshot snapshot, TimeSpan grace, HealthReportBuilder report)
    {
        var now = time.GetUtcNow();
        report.Data["endpoint"] = snapshot.Endpoint;
        report.Data["connected"] = snapshot.IsConnected;
        report.Data["reconnects"] = snapshot.Reconnects;
        if (!snapshot.IsConnected)
        {
            var down = now - snapshot.DownSince.GetValueOrDefault(now);
            report.Data["down.seconds"] = Math.Round(down.TotalSeconds, 1);
            report.Add(
                down > grace ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                $"The connection to {snapshot.Endpoint} has been down for {down.TotalSeconds:0.#} s ({snapshot.DownReason}); grace period {grace.TotalSeconds:0.#} s.");
        }

        foreach (var consumer in snapshot.Consumers)
        {
            if (consumer.IsConsuming)
            {
                continue;
            }

            var cancelled = now - consumer.CancelledSince.GetValueOrDefault(now);
            report.Data[$"listener.{consumer.Listener}"] = $"queue {consumer.Queue}: cancelled by the broker ({consumer.CancelReason})";
            report.Add(
                cancelled > grace ? HealthStatus.Unhealthy : HealthStatus.Degraded,
                $"The consumer of listener {consumer.Listener} (queue {consumer.Queue} at {snapshot.Endpoint}) was cancelled by the broker {cancelled.TotalSeconds:0.#} s ago ({consumer.CancelReason}) and is not restored.");
        }
    }
}
