using Eventing.AspNetCore.Idempotency.Diagnostics;
using Eventing.AspNetCore.Idempotency.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Idempotency.Hosting;

/// <summary>Deletes expired keys every <see cref="HttpIdempotencyOptions.CleanupInterval"/>, so a SQL table stays bounded.</summary>
internal sealed class HttpIdempotencyCleanupService(
    IHttpResponseStore store,
    IOptions<HttpIdempotencyOptions> options,
    TimeProvider timeProvider,
    ILogger<HttpIdempotencyCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                        HttpIdempotencyLog.Purged(logger, purged);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A database that is down now is tried again next tick; requests keep working meanwhile.
                    HttpIdempotencyLog.PurgeFailed(logger, exception, interval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
