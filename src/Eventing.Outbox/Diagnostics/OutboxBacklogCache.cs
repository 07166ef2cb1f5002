using Eventing.Outbox.Storage;

namespace Eventing.Outbox.Diagnostics;

/// <summary>
/// The last backlog read from the store, for the <c>eventing.outbox.*</c> gauges. A metrics collector may observe
/// them often and from any thread; a database query there would put the collector's timing at the database's mercy,
/// so the relay refreshes this as part of its loop, at most every <see cref="RefreshInterval"/>, and the gauges
/// report it.
/// </summary>
internal sealed class OutboxBacklogCache(IOutboxStore store, TimeProvider time)
{
    /// <summary>How stale the count may get: a few seconds is fresh for a gauge, and costs one query per interval.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private Reading? _last;

    /// <summary>Whether the relay should read the backlog again: never read, or read longer than the interval ago.</summary>
    public bool IsDue => Volatile.Read(ref _last) is not { } last || time.GetElapsedTime(last.ReadAt) >= RefreshInterval;

    /// <summary>The last backlog read, if any was.</summary>
    public bool TryGet(out OutboxBacklog backlog)
    {
        if (Volatile.Read(ref _last) is { } last)
        {
            backlog = last.Backlog;
            return true;
        }

        backlog = default;
        return false;
    }

    /// <summary>Reads the backlog from the store now.</summary>
    public async Task<OutboxBacklog> RefreshAsync(CancellationToken cancellationToken)
    {
        var backlog = await store.GetBacklogAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        Update(backlog);
        return backlog;
    }

    /// <summary>Keeps a backlog read elsewhere (the health check reads the truth at every call).</summary>
    public void Update(OutboxBacklog backlog) => Volatile.Write(ref _last, new Reading(backlog, time.GetTimestamp()));

    private sealed record Reading(OutboxBacklog Backlog, long ReadAt);
}
