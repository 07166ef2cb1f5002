namespace Eventing.Stomp.Client.Connections;

/// <summary>Everyone waiting for one receipt id: a single frame's caller, or every send of a coalesced run.</summary>
internal sealed class ReceiptWaiters(IReceiptWaiter first, string? destination)
{
    private List<IReceiptWaiter>? _rest;

    /// <summary>The destination of a run of SENDs; null for a single frame's receipt.</summary>
    public string? Destination { get; } = destination;

    public int Count => 1 + (_rest?.Count ?? 0);

    public void Add(IReceiptWaiter waiter) => (_rest ??= new List<IReceiptWaiter>(16)).Add(waiter);

    public void Complete()
    {
        first.Confirm();
        if (_rest is { } rest)
        {
            foreach (var waiter in rest)
            {
                waiter.Confirm();
            }
        }
    }

    public void Fail(Exception reason)
    {
        first.Fail(reason);
        if (_rest is { } rest)
        {
            foreach (var waiter in rest)
            {
                waiter.Fail(reason);
            }
        }
    }
}
