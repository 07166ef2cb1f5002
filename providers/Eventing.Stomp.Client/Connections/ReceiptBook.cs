using System.Collections.Concurrent;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// The receipts one connection waits for, by id, so many frames are in flight at once. Once closed, every waiter
/// still in the book fails with the reason, and one added later fails at once instead of waiting forever.
/// </summary>
internal sealed class ReceiptBook
{
    private readonly ConcurrentDictionary<long, ReceiptWaiters> _pending = new();
    private long _lastId;
    private Exception? _closed;

    public bool IsEmpty => _pending.IsEmpty;

    /// <summary>Files <paramref name="waiters"/> under a new receipt id and returns the id.</summary>
    public long Add(ReceiptWaiters waiters)
    {
        var id = Interlocked.Increment(ref _lastId);
        _pending[id] = waiters;

        // Close may have run between the increment and the add and not seen these waiters.
        if (Volatile.Read(ref _closed) is { } failure && _pending.TryRemove(id, out _))
        {
            waiters.Fail(failure);
        }

        return id;
    }

    /// <summary>Takes the waiters of a receipt that arrived, or null when nobody waits for it (any more).</summary>
    public ReceiptWaiters? Take(long id) => _pending.TryRemove(id, out var waiters) ? waiters : null;

    /// <summary>Forgets a receipt the caller no longer waits for (timeout, cancellation).</summary>
    public void Forget(long id) => _pending.TryRemove(id, out _);

    /// <summary>Fails every waiter, now and from now on, with <paramref name="failure"/>.</summary>
    public void Close(Exception failure)
    {
        Interlocked.CompareExchange(ref _closed, failure, null);
        foreach (var pending in _pending)
        {
            if (_pending.TryRemove(pending.Key, out var waiters))
            {
                waiters.Fail(failure);
            }
        }
    }
}
