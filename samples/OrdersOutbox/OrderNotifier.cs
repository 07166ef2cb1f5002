using Eventing;

namespace OrdersOutbox;

/// <summary>The listener: in a real app it would email the customer.</summary>
public sealed class OrderNotifier(Deliveries deliveries) : EventListener<OrderPlaced>
{
    public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        deliveries.First.TrySetResult(@event);
        return default;
    }
}
