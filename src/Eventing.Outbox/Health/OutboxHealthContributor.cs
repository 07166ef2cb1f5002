using System.Globalization;
using Eventing.Health;
using Eventing.Outbox.Diagnostics;
using Eventing.Outbox.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Outbox.Health;

/// <summary>
/// The outbox's part of the <c>eventing</c> health check: Unhealthy when its oldest pending row has waited longer, since it was due,
/// than <see cref="EventingHealthOptions.OutboxMaxPendingAge"/> (the relay is stuck or the broker refuses the events),
/// or when the store cannot be read. It queries the store at every check, not the metrics' cache.
/// </summary>
internal sealed class OutboxHealthContributor(IOutboxStore store, OutboxBacklogCache cache, TimeProvider time) : IEventingHealthContributor
{
    public async Task<HealthCheckResult> CheckAsync(EventingHealthOptions options, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["outbox.store"] = store.Name };
        OutboxBacklog backlog;
        var now = time.GetUtcNow();
        try
        {
            backlog = await store.GetBacklogAsync(now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(
                $"The outbox backlog of {store.Name} could not be read ({exception.Message}). Is the database reachable and the outbox table there?",
                exception,
                data);
        }

        cache.Update(backlog);
        var age = backlog.OldestAge(now);
        data["outbox.pending"] = backlog.Pending;
        data["outbox.scheduled"] = backlog.Scheduled;
        data["outbox.oldest_age.seconds"] = Math.Round(age.TotalSeconds, 1);
        if (backlog.Pending > 0 && age > options.OutboxMaxPendingAge)
        {
            return HealthCheckResult.Unhealthy(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The outbox {store.Name} has {backlog.Pending} pending event(s), the oldest waiting {age.TotalSeconds:0.#} s (more than {options.OutboxMaxPendingAge.TotalSeconds:0.#} s): the relay is not running or cannot send. Check the outbox's log (event ids 2000–2099) and the broker."),
                data: data);
        }

        return HealthCheckResult.Healthy(data: data);
    }
}
