using Eventing.Outbox.Relay;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox;

/// <summary>
/// Sends every pending event once and returns: the <c>eventing outbox flush</c> command, for cron while the app is
/// down. Unlike the relay it does not wait for the grace period, so run it when no app instance is sending. Scheduled
/// sends go only once due; those not due yet stay for a later run or the relay.
/// </summary>
public sealed class OutboxFlusher
{
    private readonly OutboxPump _pump;
    private readonly OutboxOptions _options;

    internal OutboxFlusher(OutboxPump pump, IOptions<OutboxOptions> options)
    {
        _pump = pump;
        _options = options.Value;
    }

    /// <summary>
    /// Sends pending events batch by batch until none is left or a send fails (the broker is likely down: the rest
    /// waits for the next run).
    /// </summary>
    /// <param name="ordered">Sends the events of each ordering key in commit order (<c>--ordered</c>).</param>
    /// <param name="cancellationToken">Stops between sends; unsent rows stay pending.</param>
    public async Task<OutboxFlushResult> FlushAsync(bool ordered = false, CancellationToken cancellationToken = default)
    {
        if (_options.CreateSchema)
        {
            await _pump.Store.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        }

        var sent = 0;
        while (true)
        {
            var result = await _pump.RunOnceAsync(_options.BatchSize, ordered, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            sent += result.Sent;
            if (result.Failed > 0 || result.Leased < _options.BatchSize || result.Sent == 0)
            {
                var left = await _pump.Store.GetBacklogAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
                return new OutboxFlushResult(sent, result.Failed)
                {
                    FirstFailure = result.FirstFailure,
                    Scheduled = left.Scheduled,
                    NextDueAt = left.NextDueAt is { } due ? DateTimeOffset.FromUnixTimeMilliseconds(due) : null,
                };
            }
        }
    }
}
