using System.Collections.Concurrent;

namespace Quickstart;

/// <summary>What each listener received, shared by both "processes" of the sample.</summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _received = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _deliveries;

    public int Expected { get; init; }

    public Task Done => _done.Task;

    public IEnumerable<KeyValuePair<string, ConcurrentQueue<int>>> Received => _received.OrderBy(entry => entry.Key);

    public void Record(string listener, int orderNumber)
    {
        _received.GetOrAdd(listener, _ => new ConcurrentQueue<int>()).Enqueue(orderNumber);
        if (Interlocked.Increment(ref _deliveries) == Expected)
        {
            _done.TrySetResult();
        }
    }
}
