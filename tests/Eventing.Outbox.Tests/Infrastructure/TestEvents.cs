namespace Eventing.Outbox.Tests;

[Event("outbox-tests.order-placed")]
public sealed record OrderPlaced(int Writer, int Number, string Token);

[Event("outbox-tests.order-shipped", Durable = true)]
public sealed record OrderShipped(string Token);
