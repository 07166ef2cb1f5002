using Eventing.Diagnostics;
using Eventing.Pipelines;
using Eventing.Providers;
using Eventing.Receiving;
using Eventing.Retry;
using Microsoft.Extensions.Logging;

namespace Eventing.DeadLetters;

/// <summary>
/// The outermost stage of the receive chain: a delivery an inner stage gave up on is sent to the listener's
/// dead-letter queue with its reason, and then acknowledged. A dead letter the broker refuses is never acked: the
/// original goes back to its queue after a growing wait, so nothing is lost and nothing loops hot.
/// </summary>
internal sealed class DeadLetterStage(ListenerDescriptor listener, IProvider provider, ILogger logger, ListenerTelemetry telemetry, CancellationToken stopping)
    : EnvelopePipeline
{
    private readonly RefusalBackoff _refusals = new(stopping);

    public override ValueTask HandleAsync(Envelope envelope, ListenerDescriptor _, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        var handling = next.Start(envelope, cancellationToken);
        if (!handling.IsCompletedSuccessfully)
        {
            return DeadLetterOnFailureAsync(handling);
        }

        handling.GetAwaiter().GetResult();
        return default;
    }

    private async ValueTask DeadLetterOnFailureAsync(ValueTask handling)
    {
        try
        {
            await handling.ConfigureAwait(false);
        }
        catch (DeliveryFailedException failed)
        {
            await DeadLetterAsync(failed.Envelope, failed.Reason, failed.Cause, failed.Message, failed.Attempt).ConfigureAwait(false);
        }
    }

    /// <summary>Dead-letters <paramref name="envelope"/>; throws <see cref="CopyRefusedException"/> when the broker refused it.</summary>
    public async ValueTask DeadLetterAsync(Envelope envelope, string reason, Exception? exception, string problem, int attempt)
    {
        if (attempt == 0)
        {
            // Never reached an attempt (unreadable, too large, not this listener's event): no span reported it yet.
            telemetry.Poisoned(envelope, reason, exception);
        }

        var deadLetter = DeadLetterEnvelope.Create(envelope, reason, exception, problem, attempt, listener.Queue);
        Log.DeadLettered(logger, exception, envelope.Id, listener.Queue, reason, problem);
        try
        {
            await provider.DeadLetterAsync(deadLetter, listener, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception sendFailure)
        {
            var (refusals, delay) = _refusals.Refused();
            telemetry.DeadLetterRefused();
            Log.DeadLetterFailed(logger, sendFailure, envelope.Id, listener.Queue, refusals, delay);
            await _refusals.WaitAsync(delay).ConfigureAwait(false);
            throw new CopyRefusedException(sendFailure);
        }

        _refusals.Accepted();
        telemetry.DeadLettered(reason);
    }
}
