namespace Eventing.Idempotency.Hosting;

/// <summary>The cleanup loop of every store that keeps expiring records (processed messages, HTTP keys).</summary>
internal static class PurgeLoop
{
    /// <summary>Calls <paramref name="purge"/> every <paramref name="interval"/> until <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task RunAsync(
        Func<CancellationToken, ValueTask<long>> purge,
        TimeSpan interval,
        TimeProvider time,
        Action<long> purged,
        Action<Exception> failed,
        CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var count = await purge(stoppingToken).ConfigureAwait(false);
                    if (count > 0)
                    {
                        purged(count);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A database that is down now is tried again next tick; handlers keep working meanwhile.
                    failed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
