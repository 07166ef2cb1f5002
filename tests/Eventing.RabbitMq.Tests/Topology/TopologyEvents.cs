namespace Eventing.RabbitMq.Tests.Topology;

// One event name per case, so cases never receive each other's events on a shared broker.

[Event("topology.rabbit.provisioned", Durable = true)]
public sealed record ProvisionedEvent(string Run, int Seq);

[Event("topology.rabbit.prefetch", Durable = true)]
public sealed record PrefetchEvent(string Run, int Seq);

[Event("inspect.rabbit.deadletters", Durable = true)]
public sealed record InspectedEvent(string Run, int Seq);
