namespace Eventing.RabbitMq.Tests.DelayedRetry;

// One event name per case, so cases never receive each other's events on a shared broker.

[Event("delayed.rabbit.queues", Durable = true)]
public sealed record DelayedQueuesEvent(string Run, int Seq);

[Event("delayed.rabbit.quorum", Durable = true)]
public sealed record DelayedQuorumEvent(string Run, int Seq);
