using Eventing.Diagnostics;
using Eventing.Receiving;
using Microsoft.Extensions.Logging;

namespace Eventing.Retry;

/// <summary>
/// Runs the inner stages (the pipelines and the listener) up to the listener's <see cref="RetryPolicy.MaxAttempts"/>
/// times, waiting with backoff between attempts. The last failure, or a <see cref="DoNotRetryException"/> at once,
/// goes to the dead-letter stage. Cancellation (the core gave up on the handler at shutdown) is passed on: the
/// delivery goes back to the broker.
/// </summary>
internal sealed class RetryStage(ListenerDescriptor listener, ILogger logger, ListenerTelemetry telemetry) : EnvelopePipeline
{
    public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor _, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        var retry = listener.Retry;
        for (var attempt = 1; ; attempt++)
        {
            envelope.DeliveryAttempt = attempt;
            TimeSpan delay;
            var span = telemetry.StartAttempt(envelope);
            try
            {
                await next(envelope, cancellationToken).ConfigureAwait(false);
                span.Handled();
                return;
            }
            catch (DoNotRetryException rejected)
            {
                span.GaveUp(rejected, rejected.Reason);
                throw new DeliveryFailedException(envelope, rejected.Reason, rejected, rejected.Message, attempt);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= retry.MaxAttempts)
                {
                    // The delayed retry stage outside decides what follows; the span says the same.
                    if (DelayedRetryStage.NextDelay(retry, envelope) is { } later)
                    {
                        span.Retrying(exception, later);
                    }
                    else
                    {
                        span.GaveUp(exception, DeadLetterReasons.Failed);
                    }

                    throw new DeliveryFailedException(envelope, DeadLetterReasons.Failed, exception, exception.Message, attempt);
                }

                delay = retry.DelayAfter(attempt);
                Log.Retrying(logger, exception, listener.Queue, attempt, retry.MaxAttempts, envelope.Id, delay);
                span.Retrying(exception, delay);
            }
            finally
            {
                // The attempt's span ends here: the wait before the next attempt is not part of it.
                span.Dispose();
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
