namespace Eventing.Outbox.Tests;

/// <summary>Collects what a listener received, in order, and signals when a count is reached.</summary>
public sealed class Received<TEvent>
{
    private readonly Lock _gate = new();
    private readonly List<(TEvent Event, Envelope Envelope)> _items = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<(TEvent Event, Envelope Envelope)> Items
    {
        get
        {
            lock (_gate)
            {
                return [.. _items];
            }
        }
    }

    public ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _items.Add((@event, context.Envelope.Clone()));
            foreach (var waiter in _waiters)
            {
                if (_items.Count >= waiter.Count)
                {
                    waiter.Signal.TrySetResult();
                }
            }
        }

        return default;
    }

    /// <summary>Waits until at least <paramref name="count"/> events arrived.</summary>
    public Task WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_items.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }
}
