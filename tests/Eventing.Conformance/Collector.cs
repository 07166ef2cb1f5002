namespace Eventing.Conformance;

/// <summary>
/// Collects what listeners received and lets a test wait for a condition on it: every add re-checks the
/// waiting condition and completes its signal, so tests wait on signals, never on sleeps.
/// </summary>
public sealed class Collector<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<IReadOnlyList<T>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>How many items arrived.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>A snapshot of the items in arrival order.</summary>
    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }
    }

    /// <summary>Records one item and wakes the waiters whose condition now holds.</summary>
    public void Add(T item)
    {
        lock (_gate)
        {
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_items))
                {
                    _waiters[i].Signal.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the items; throws <see cref="TimeoutException"/> with <paramref name="what"/> otherwise.</summary>
    public async Task WaitAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, string what)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (condition(_items))
            {
                return;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; {Count} items arrived.", exception);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> items arrived.</summary>
    public Task WaitForCountAsync(int count, TimeSpan timeout, string what) =>
        WaitAsync(items => items.Count >= count, timeout, what);
}
