using System.Globalization;
using Eventing.DeadLetters;
using Eventing.Diagnostics;
using Eventing.Providers;
using Eventing.Receiving;
using Microsoft.Extensions.Logging;

namespace Eventing.Retry;

/// <summary>
/// Outside the immediate retries of a listener with <see cref="RetryPolicy.Delayed"/> delays: when the immediate
/// attempts failed and a delayed retry is left, a copy with the failure so far goes back to the broker for the next
/// delay (the provider confirms it) and the original is then acknowledged, so the consumer's slot is free while the
/// message waits. When none is left, the failure goes on to the dead-letter stage with the whole history.
/// </summary>
internal sealed class DelayedRetryStage(ListenerDescriptor listener, IDelayedRedelivery redelivery, ILogger logger, CancellationToken stopping) : EnvelopePipeline
{
    private readonly RefusalBackoff _refusals = new(stopping);

    public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor _, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        try
        {
            await next(envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (DeliveryFailedException failed) when (failed.Reason == DeadLetterReasons.Failed)
        {
            var done = DelayedRetriesOf(envelope);
            var delays = listener.Retry.Delayed;
            var now = Timestamp(DateTimeOffset.UtcNow);
            if (!envelope.Headers.ContainsKey(CloudEventAttributes.FirstFailedAt))
            {
                envelope.Headers[CloudEventAttributes.FirstFailedAt] = now;
            }

            if (done >= delays.Count)
            {
                envelope.Headers[CloudEventAttributes.DelayedRetries] = done.ToString(CultureInfo.InvariantCulture);
                throw;
            }

            await RedeliverLaterAsync(failed, done + 1, delays[done], now).ConfigureAwait(false);
        }
    }

    private async ValueTask RedeliverLaterAsync(DeliveryFailedException failed, int retry, TimeSpan delay, string now)
    {
        var copy = failed.Envelope.Clone();
        var headers = copy.Headers;
        headers[CloudEventAttributes.DelayedRetries] = retry.ToString(CultureInfo.InvariantCulture);
        headers[CloudEventAttributes.FailedAt] = now;
        headers[CloudEventAttributes.FailedListener] = DeadLetterEnvelope.Fit(listener.Queue);
        headers[CloudEventAttributes.ExceptionType] = failed.Cause?.GetType().FullName ?? DeadLetterReasons.Failed;
        headers[CloudEventAttributes.ExceptionMessage] = DeadLetterEnvelope.Fit(failed.Message);
        try
        {
            await redelivery.RedeliverAsync(copy, listener, delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception sendFailure)
        {
            var (refusals, wait) = _refusals.Refused();
            Log.DelayedRetryFailed(logger, sendFailure, copy.Id, listener.Queue, refusals, wait);
            await _refusals.WaitAsync(wait).ConfigureAwait(false);
            throw new CopyRefusedException(sendFailure);
        }

        _refusals.Accepted();
        Log.DelayedRetry(logger, failed.Cause, copy.Id, listener.Queue, retry, listener.Retry.Delayed.Count, delay);
    }

    /// <summary>The wait before the next delayed retry of <paramref name="envelope"/>, or null when none is left.</summary>
    internal static TimeSpan? NextDelay(RetryPolicy retry, Envelope envelope)
    {
        var done = DelayedRetriesOf(envelope);
        return done < retry.Delayed.Count ? retry.Delayed[done] : null;
    }

    private static int DelayedRetriesOf(Envelope envelope) =>
        envelope.TryGetHeader(CloudEventAttributes.DelayedRetries, out var value)
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var done)
            ? done
            : 0;

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
