namespace Eventing.RabbitMq.Tests.Wire;

[Event("wire.durable", Durable = true)]
public sealed record DurableWireEvent(string Run, string Text);

[Event("wire.transient")]
public sealed record TransientWireEvent(string Run, string Text);
