using System.Collections.Concurrent;
using Eventing.Outbox.Diagnostics;
using Eventing.Outbox.Storage;
using Eventing.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Relay;

/// <summary>Sends recorded envelopes with many sends in flight, or one at a time per ordering key.</summary>
internal sealed class OutboxDispatcher(IEnvelopeSender sender, IOutboxStore store, OutboxMetrics metrics, IOptions<OutboxOptions> options, ILogger<OutboxDispatcher> logger)
{
    private readonly int _maxInFlight = options.Value.MaxSendsInFlight;
    private readonly ConcurrentDictionary<EventDescriptor, EventDescriptor> _confirmed = new();

    /// <summary>Sends every message; a failure is logged once per call and leaves its row pending.</summary>
    /// <returns>The sequences of the messages the provider confirmed, and the first failure if any.</returns>
    public async Task<DispatchResult> SendAsync(IReadOnlyList<PendingMessage> messages, bool ordered, CancellationToken cancellationToken)
    {
        var sent = new bool[messages.Count];
        var failures = new Failures();
        if (ordered)
        {
            await SendOrderedAsync(messages, sent, failures, cancellationToken).ConfigureAwait(false);
        }
        else if (messages.Count == 1)
        {
            sent[0] = await TrySendAsync(messages[0], failures, cancellationToken).ConfigureAwait(false);
        }
        else if (messages.Count <= _maxInFlight)
        {
            // Start every send before awaiting any: the provider pipelines them and the confirms come back together.
            var tasks = new Task<bool>[messages.Count];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = TrySendAsync(messages[i], failures, cancellationToken);
            }

            for (var i = 0; i < tasks.Length; i++)
            {
                sent[i] = await tasks[i].ConfigureAwait(false);
            }
        }
        else
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _maxInFlight };
            await Parallel.ForAsync(0, messages.Count, parallel, async (i, _) =>
                sent[i] = await TrySendAsync(messages[i], failures, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }

        var result = new List<long>(messages.Count);
        for (var i = 0; i < sent.Length; i++)
        {
            if (sent[i])
            {
                result.Add(messages[i].Record.Sequence);
            }
        }

        if (result.Count > 0)
        {
            // Once per batch, not per message: the hot path stays free of per-send metric calls.
            metrics.Sent.Add(result.Count);
        }

        if (failures.First is not null)
        {
            OutboxLog.SendFailed(logger, failures.First, messages.Count - result.Count, messages.Count, store.Name);
        }

        return new DispatchResult(result, failures.First);
    }

    private async Task SendOrderedAsync(IReadOnlyList<PendingMessage> messages, bool[] sent, Failures failures, CancellationToken cancellationToken)
    {
        // Messages arrive in sequence order; grouping keeps that order inside each key.
        var keys = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < messages.Count; i++)
        {
            var key = messages[i].Key;
            if (!keys.TryGetValue(key, out var indexes))
            {
                keys[key] = indexes = [];
            }

            indexes.Add(i);
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _maxInFlight };
        await Parallel.ForEachAsync(keys.Values, parallel, async (indexes, _) =>
        {
            foreach (var i in indexes)
            {
                if (!await TrySendAsync(messages[i], failures, cancellationToken).ConfigureAwait(false))
                {
                    // A later event of this key must not overtake the one that failed.
                    return;
                }

                sent[i] = true;
            }
        }).ConfigureAwait(false);
    }

    private async Task<bool> TrySendAsync(PendingMessage message, Failures failures, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendEnvelopeAsync(message.Envelope, Confirmed(message.Event), cancellationToken).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Any failure, cancellation included, leaves the row pending; it is logged once for the batch.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Interlocked.CompareExchange(ref failures.First, exception, null);
            return false;
        }
    }

    // A row is deleted once its send completed, so that completion must mean the broker has the message: every
    // outbox send goes as a durable one (persistent, publisher-confirmed or receipted), whatever the event's
    // durability, because a fire-and-forget send completes while the message may still be lost.
    private EventDescriptor Confirmed(EventDescriptor descriptor) =>
        descriptor.Durable
            ? descriptor
            : _confirmed.GetOrAdd(descriptor, static d => new EventDescriptor(d.Name, durable: true, d.ContentMode));

    private sealed class Failures
    {
        public Exception? First;
    }
}

/// <summary>What one dispatch did: the sequences sent, and why the first failed send failed.</summary>
internal readonly record struct DispatchResult(List<long> Sent, Exception? FirstFailure);
