using Eventing.Outbox.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Eventing.Outbox.Atomic;

/// <summary>The retry loop of every atomic procedure (ADO.NET and EF Core): reruns an attempt that lost a conflict, with backoff.</summary>
internal sealed class AtomicRetry(AtomicOptions options, TimeProvider time, ILogger logger)
{
    public async ValueTask<TResult> RunAsync<TResult>(Func<int, CancellationToken, ValueTask<TResult>> attempt, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (TransactionConflict.Describe(exception) is { } conflict)
            {
                if (number >= options.MaxAttempts)
                {
                    throw new AtomicProcedureException(number, exception);
                }

                var delay = Delay(number);
                OutboxLog.AtomicRetry(logger, number, conflict, delay);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan Delay(int failedAttempt)
    {
        // Exponential with full jitter (anywhere up to the ceiling): writers that collided once must not wake
        // together and collide again, and under heavy contention this spreads them out best (fewest total attempts).
        var ceiling = options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempt - 1, 20));
        ceiling = Math.Min(ceiling, options.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * Random.Shared.NextDouble());
    }
}
