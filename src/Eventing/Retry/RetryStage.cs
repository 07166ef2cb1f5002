using Eventing.Diagnostics;
using Eventing.Pipelines;
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
    public override ValueTask HandleAsync(Envelope envelope, ListenerDescriptor _, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        if (telemetry.IsTracing)
        {
            // A span is Activity.Current while it runs: it must start inside an async method, whose end restores
            // the caller's context, or a span still running would be the parent of whatever the caller does next.
            return RetryAsync(envelope, next, null, default, cancellationToken);
        }

        // The first attempt starts here; only one that does not succeed at once needs the loop's state machine.
        envelope.DeliveryAttempt = 1;
        var span = telemetry.StartAttempt(envelope);
        var first = next.Start(envelope, cancellationToken);
        if (!first.IsCompletedSuccessfully)
        {
            return RetryAsync(envelope, next, span, first, cancellationToken);
        }

        first.GetAwaiter().GetResult();
        span.Handled();
        span.Dispose();
        return default;
    }

    /// <summary>The attempts from the first on, or from the second when <paramref name="started"/> is the first, still running.</summary>
    private async ValueTask RetryAsync(Envelope envelope, EnvelopeHandler next, ListenerTelemetry.Attempt? started, ValueTask first, CancellationToken cancellationToken)
    {
        var retry = listener.Retry;
        for (var attempt = 1; ; attempt++)
        {
            ListenerTelemetry.Attempt span;
            ValueTask pending;
            if (attempt == 1 && started is { } running)
            {
                span = running;
                pending = first;
            }
            else
            {
                envelope.DeliveryAttempt = attempt;
                span = telemetry.StartAttempt(envelope);
                pending = next.Start(envelope, cancellationToken);
            }

            TimeSpan delay;
            try
            {
                await pending.ConfigureAwait(false);
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
