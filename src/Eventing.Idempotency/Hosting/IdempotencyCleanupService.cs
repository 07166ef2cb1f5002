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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IProcessedMessageStore>() is not { } store)
        {
            return;
        }

        var interval = options.Value.CleanupInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var purged = await store.PurgeExpiredAsync(stoppingToken).ConfigureAwait(false);
                    if (purged > 0)
                    {
                        metrics.Purged.Add(purged);
                        IdempotencyLog.Purged(logger, purged);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A database that is down now is tried again next tick; handlers keep working meanwhile.
                    IdempotencyLog.PurgeFailed(logger, exception, interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
