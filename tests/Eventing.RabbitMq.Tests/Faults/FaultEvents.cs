namespace Eventing.RabbitMq.Tests.Faults;

// One event name per case, so cases never receive each other's events on a shared broker.

[Event("faults.rabbit.longcorrelation", Durable = true)]
public sealed record LongCorrelationEvent(string Run, int Seq);

[Event("faults.rabbit.oddheaders", Durable = true)]
public sealed record OddHeadersEvent(string Run, int Seq);

[Event("faults.rabbit.missingdlq", Durable = true)]
public sealed record MissingDeadLetterQueueEvent(string Run, int Seq);

[Event("faults.rabbit.structured", Durable = true)]
public sealed record StructuredFaultEvent(string Run, int Seq);

[Event("faults.rabbit.large", Durable = true)]
public sealed record LargeEvent(string Run, int Seq);
