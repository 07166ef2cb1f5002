namespace OrdersOutbox;

/// <summary>Hands the first delivery back to the program so it can exit.</summary>
public sealed class Deliveries
{
    public TaskCompletionSource<OrderPlaced> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
