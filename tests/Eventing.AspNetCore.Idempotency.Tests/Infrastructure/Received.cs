namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>Collects the events a listener received and signals when one with a given token arrived.</summary>
public sealed class Received
{
    private readonly Lock _gate = new();
    private readonly List<OrderPlaced> _items = [];
    private readonly Dictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public int Count(string token)
    {
        lock (_gate)
        {
            return _items.Count(item => item.Token == token);
        }
    }

    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _items.Add(@event);
            if (_waiters.Remove(@event.Token, out var waiter))
            {
                waiter.TrySetResult();
            }
        }

        return default;
    }

    public Task WaitForAsync(string token)
    {
        lock (_gate)
        {
            if (_items.Any(item => item.Token == token))
            {
                return Task.CompletedTask;
            }

            if (!_waiters.TryGetValue(token, out var waiter))
            {
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(token, waiter);
            }

            return waiter.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
