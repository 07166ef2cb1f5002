using Eventing;

namespace LiveOrders;

/// <summary>An order was placed (by the page's form or by any other service on the broker).</summary>
[Event("liveorders.placed")]
public sealed record OrderPlaced(Guid OrderId, string TenantId, string Item, int Quantity, string PlacedBy) : ITenantEvent;
