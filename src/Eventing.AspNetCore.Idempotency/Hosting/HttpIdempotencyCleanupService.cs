using Eventing.AspNetCore.Idempotency.Diagnostics;
using Eventing.AspNetCore.Idempotency.Storage;
using Eventing.Idempotency.Hosting;
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
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CleanupInterval;
        return PurgeLoop.RunAsync(
            store.PurgeExpiredAsync,
            interval,
            timeProvider,
            purged => HttpIdempotencyLog.Purged(logger, purged),
            exception => HttpIdempotencyLog.PurgeFailed(logger, exception, interval),
            stoppingToken);
    }
}
