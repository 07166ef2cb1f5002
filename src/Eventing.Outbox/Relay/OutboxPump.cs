using Eventing.Outbox.Storage;
using Eventing.Providers;

namespace Eventing.Outbox.Relay;

/// <summary>One relay pass: lease a batch, send it, delete what was sent. Shared by the relay and the flusher.</summary>
internal sealed class OutboxPump(IOutboxStore store, OutboxDispatcher dispatcher, IEnvelopeSender sender, InFlightMessages inFlight)
{
    public IOutboxStore Store => store;

    public async Task<PumpResult> RunOnceAsync(int batchSize, bool ordered, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var request = new OutboxLeaseRequest(batchSize, now.Subtract(gracePeriod).ToUnixTimeMilliseconds(), ordered)
        {
            DueBefore = now.ToUnixTimeMilliseconds(),
        };
        var (lease, free) = await inFlight.LeaseAsync(store, request, cancellationToken).ConfigureAwait(false);
        await using (lease.ConfigureAwait(false))
        {
            var records = lease.Records;
            if (records.Count == 0)
            {
                return new PumpResult(0, 0, 0) { DueBefore = request.DueBefore };
            }

            var messages = new List<PendingMessage>(free.Count);
            for (var i = 0; i < free.Count; i++)
            {
                messages.Add(OutboxRecords.ToMessage(free[i], sender));
            }

            var (sent, failure) = await dispatcher.SendAsync(messages, ordered, cancellationToken).ConfigureAwait(false);
            // Not cancellable: once events are out, deleting their rows is what keeps a shutdown from sending them twice.
            await lease.CompleteAsync(sent, CancellationToken.None).ConfigureAwait(false);
            return new PumpResult(records.Count, sent.Count, messages.Count - sent.Count, failure) { DueBefore = request.DueBefore };
        }
    }
}

/// <summary>What one relay pass did.</summary>
internal readonly record struct PumpResult(int Leased, int Sent, int Failed, Exception? FirstFailure = null)
{
    /// <summary>The due time up to which the pass leased scheduled rows (Unix milliseconds).</summary>
    public long DueBefore { get; init; }
}
