using Eventing;

namespace OrdersOutbox;

/// <summary>Published when an order is placed.</summary>
[Event("orders.placed")]
public sealed record OrderPlaced(Guid OrderId, decimal Total);
