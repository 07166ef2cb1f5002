using Eventing;

namespace Quickstart;

[Event("orders.placed", Durable = true)]
public sealed record OrderPlaced(int OrderNumber, decimal Total);
