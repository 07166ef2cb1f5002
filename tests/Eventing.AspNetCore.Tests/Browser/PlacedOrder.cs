namespace Eventing.AspNetCore.Tests.Browser;

/// <summary>
/// The sample's <c>liveorders.placed</c> event as another service declares it: the same name and JSON, its own type
/// (the wire contract is the CloudEvent, not the CLR type).
/// </summary>
[Event("liveorders.placed")]
public sealed record PlacedOrder(Guid OrderId, string TenantId, string Item, int Quantity, string PlacedBy);
