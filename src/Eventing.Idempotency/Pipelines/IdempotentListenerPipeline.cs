using Eventing.Idempotency.Diagnostics;
using Eventing.Idempotency.Locks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Idempotency.Pipelines;

/// <summary>
/// Around one listener: takes the per-key lock (in process, then across processes), claims the message id, runs the
/// handler and records the message as processed. The record is written only after the handler returned, so a handler
/// that throws leaves nothing behind and its retry runs again.
/// </summary>
internal sealed class IdempotentListenerPipeline(
    string queue,
    TimeSpan window,
    IProcessedMessageStore? store,
    Func<object, string>? key,
    LocalKeyLock localLock,
    IKeyLock? distributedLock,
    ILogger logger,
    IdempotencyMetrics metrics) : EnvelopePipeline
{
    public override ValueTask HandleEventAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken) =>
        key is null
            ? HandleOnceAsync(@event, context, next, cancellationToken)
            : HandleSequentiallyAsync(key(@event), @event, context, next, cancellationToken);

    private async ValueTask HandleSequentiallyAsync(string eventKey, object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken)
    {
        // The queue is part of the key: two listeners of one event each order their own work.
        var lockKey = string.Concat(queue, "|", eventKey);

        // The local lock first: waiters of one process queue here instead of all polling the shared lock.
        var local = await localLock.AcquireAsync(lockKey, cancellationToken).ConfigureAwait(false);
        try
        {
            if (distributedLock is null)
            {
                await HandleOnceAsync(@event, context, next, cancellationToken).ConfigureAwait(false);
                return;
            }

            var shared = await distributedLock.AcquireAsync(lockKey, cancellationToken).ConfigureAwait(false);
            await using (shared.ConfigureAwait(false))
            {
                await HandleOnceAsync(@event, context, next, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            local.Release();
        }
    }

    private async ValueTask HandleOnceAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            await next(@event, context, cancellationToken).ConfigureAwait(false);
            return;
        }

        var claim = await store.TryClaimAsync(queue, context.MessageId, window, cancellationToken).ConfigureAwait(false);
        if (claim is null)
        {
            IdempotencyLog.Skipped(logger, context.MessageId, queue);
            metrics.Skipped.Add(1, new KeyValuePair<string, object?>("eventing.queue", queue));
            return;
        }

        await using (claim.ConfigureAwait(false))
        {
            context.Services.GetService<IdempotencyScope>()?.Claim = claim;
            await next(@event, context, cancellationToken).ConfigureAwait(false);

            // Not cancellable: the handler's work is done, and recording it is what keeps a redelivery from repeating it.
            await claim.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
