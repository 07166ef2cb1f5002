namespace Eventing.RabbitMq.Tests.Health;

// One event name per case, so cases never receive each other's events on a shared broker.

[Event("health.rabbit.deleted", Durable = true)]
public sealed record DeletedQueueEvent(string Run, int Seq);

[Event("health.rabbit.refused", Durable = true)]
public sealed record RefusedQueueEvent(string Run, int Seq);

[Event("health.rabbit.connected", Durable = true)]
public sealed record ConnectedEvent(string Run, int Seq);
