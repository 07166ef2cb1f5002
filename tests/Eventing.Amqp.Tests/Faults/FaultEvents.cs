namespace Eventing.Amqp.Tests.Faults;

// One event name per case, so cases never receive each other's events on a shared broker.

[Event("faults.amqp.longcorrelation", Durable = true)]
public sealed record AmqpLongCorrelationEvent(string Run, int Seq);

[Event("faults.amqp.structured", Durable = true)]
public sealed record AmqpStructuredFaultEvent(string Run, int Seq);

[Event("faults.amqp.resume", Durable = true)]
public sealed record AmqpResumeEvent(string Run, int Seq);
