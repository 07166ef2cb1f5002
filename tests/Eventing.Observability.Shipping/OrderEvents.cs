namespace Eventing.Observability;

// No [Event]: each test run registers them under names of its own, so runs never see each other's messages.
// The test project compiles this file too, so both processes agree on the shape.

/// <summary>The orders service recorded an order (through its outbox).</summary>
internal sealed record OrderPlaced(string Run, int OrderId);

/// <summary>The shipping service shipped an order.</summary>
internal sealed record OrderShipped(string Run, int OrderId);
