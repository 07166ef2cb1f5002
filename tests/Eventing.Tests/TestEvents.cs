namespace Eventing.Tests;

[Event("tests.order-placed", Durable = true)]
public sealed record OrderPlaced(int Number, string Customer);

[Event]
public sealed record Unnamed(int Value);

public sealed record NotAnEvent(int Value);

[Event("tests.clash")]
public sealed record ClashA(int Value);

[Event("tests.clash")]
public sealed record ClashB(int Value);

[Event("tests/bad")]
public sealed record BadlyNamed(int Value);

/// <summary>Collects what listeners saw, with signals to await.</summary>
public sealed class Recorder
{
    private readonly Lock _gate = new();
    private readonly List<(string Listener, object Event, EventContext Context)> _seen = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<(string Listener, object Event, EventContext Context)> Seen
    {
        get
        {
            lock (_gate)
            {
                return [.. _seen];
            }
        }
    }

    public int CountFor(string listener)
    {
        lock (_gate)
        {
            return _seen.Count(seen => seen.Listener == listener);
        }
    }

    public void Record(string listener, object @event, EventContext context)
    {
        lock (_gate)
        {
            _seen.Add((listener, @event, context));
            foreach (var waiter in _waiters.Where(waiter => _seen.Count >= waiter.Count))
            {
                waiter.Signal.TrySetResult();
            }
        }
    }

    public Task WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_seen.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
    }
}
