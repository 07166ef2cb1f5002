using Eventing.Idempotency.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Idempotency.Hosting;

/// <summary>Deletes expired processed-message records every <see cref="IdempotencyOptions.CleanupInterval"/>, so the table stays bounded.</summary>
internal sealed class IdempotencyCleanupService(
    IServiceProvider services,
    IOptions<IdempotencyOptions> options,
    TimeProvider timeProvider,
    IdempotencyMetrics metrics,
    ILogger<IdempotencyCleanupService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IProcessedMessageStore>() is not { } store)
        {
            return Task.CompletedTask;
        }

        var interval = options.Value.CleanupInterval;
        return PurgeLoop.RunAsync(
            store.PurgeExpiredAsync,
            interval,
            timeProvider,
            purged =>
            {
                metrics.Purged.Add(purged);
                IdempotencyLog.Purged(logger, purged);
            },
            exception => IdempotencyLog.PurgeFailed(logger, exception, interval),
            stoppingToken);
    }
}
