namespace Eventing.Idempotency.Locks;

/// <summary>
/// One semaphore per key in use, so events with one key run one at a time across a listener's concurrency while
/// other keys go on. Entries live only while someone holds or waits for the key, so the map stays small.
/// </summary>
internal sealed class LocalKeyLock
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public async ValueTask<Releaser> AcquireAsync(string key, CancellationToken cancellationToken) =>
        await TryAcquireAsync(key, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException("An infinite wait cannot time out.");

    /// <summary>Takes <paramref name="key"/> if it becomes free within <paramref name="timeout"/>; <see langword="null"/> if not.</summary>
    public async ValueTask<Releaser?> TryAcquireAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries.Add(key, entry);
            }

            entry.Users++;
        }

        bool acquired;
        try
        {
            acquired = await entry.Semaphore.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }

        if (!acquired)
        {
            Leave(key, entry);
            return null;
        }

        return new Releaser(this, key, entry);
    }

    private void Leave(string key, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    internal readonly struct Releaser(LocalKeyLock owner, string key, Entry entry)
    {
        public void Release()
        {
            entry.Semaphore.Release();
            owner.Leave(key, entry);
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
