namespace Eventing.Stomp.Client.Connections;

/// <summary>Everyone waiting for one receipt id: a single frame's caller, or every send of a coalesced run.</summary>
internal sealed class ReceiptWaiters(TaskCompletionSource first, string? destination)
{
    private List<TaskCompletionSource>? _rest;

    /// <summary>The destination of a run of SENDs; null for a single frame's receipt.</summary>
    public string? Destination { get; } = destination;

    public int Count => 1 + (_rest?.Count ?? 0);

    public void Add(TaskCompletionSource waiter) => (_rest ??= new List<TaskCompletionSource>(16)).Add(waiter);

    public void Complete()
    {
        first.TrySetResult();
        if (_rest is { } rest)
        {
            foreach (var waiter in rest)
            {
                waiter.TrySetResult();
            }
        }
    }

    public void Fail(Exception reason)
    {
        first.TrySetException(reason);
        if (_rest is { } rest)
        {
            foreach (var waiter in rest)
            {
                waiter.TrySetException(reason);
            }
        }
    }
}
