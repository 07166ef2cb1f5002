namespace Eventing.Conformance;

// One event name per case, so cases never receive each other's events on a shared broker. Every event carries
// the id of the test that sent it (Run): a target's classic and quorum runs share event names, and listeners
// count only their own test's events.

[Event("conformance.roundtrip", Durable = true)]
internal sealed record RoundTripEvent(string Run, int Seq, string Text, decimal Amount, DateTimeOffset At) : IConformanceEvent;

[Event("conformance.fanout")]
internal sealed record FanOutEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.sentbeforestop")]
internal sealed record SentBeforeStopEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.competing", Durable = true)]
internal sealed record CompetingEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.perprocess")]
internal sealed record PerProcessEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.durable", Durable = true)]
internal sealed record DurableEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.ackaftersuccess", Durable = true)]
internal sealed record AckAfterSuccessEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.failing", Durable = true)]
internal sealed record FailingEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.poison", Durable = true)]
internal sealed record PoisonEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.midstream", Durable = true)]
internal sealed record MidStreamEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.concurrency", Durable = true)]
internal sealed record ConcurrencyEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.ordered", Durable = true)]
internal sealed record OrderedEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.gracefulstop", Durable = true)]
internal sealed record GracefulStopEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.sendwhiledown", Durable = true)]
internal sealed record SendWhileDownEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.failover", Durable = true)]
internal sealed record FailoverEvent(string Run, int Seq) : IConformanceEvent;

/// <summary>What every conformance event carries: the test that sent it and its number in that test.</summary>
internal interface IConformanceEvent
{
    string Run { get; }

    int Seq { get; }
}

[Event("conformance.faults.restarts", Durable = true)]
internal sealed record RestartStreamEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.faults.killed", Durable = true)]
internal sealed record KilledBrokerStreamEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.faults.poison", Durable = true)]
internal sealed record PoisonCorpusEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.faults.killed-consumer", Durable = true)]
internal sealed record KilledConsumerEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.cluster.connected-node", Durable = true)]
internal sealed record ConnectedNodeKilledEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.cluster.leader-node", Durable = true)]
internal sealed record LeaderNodeKilledEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.cluster.rejoin", Durable = true)]
internal sealed record RejoinedNodeEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.traced", Durable = true)]
internal sealed record TracedEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.health", Durable = true)]
internal sealed record HealthEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.delayed.outage", Durable = true)]
internal sealed record DelayedOutageEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.delayed.never", Durable = true)]
internal sealed record DelayedNeverEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.scheduled", Durable = true)]
internal sealed record ScheduledEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.scheduled.sender-gone", Durable = true)]
internal sealed record ScheduledSenderGoneEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.faults.delayed-copy", Durable = true)]
internal sealed record DelayedCopyEvent(string Run, int Seq) : IConformanceEvent;

[Event("conformance.faults.delay-restart", Durable = true)]
internal sealed record DelayRestartEvent(string Run, int Seq) : IConformanceEvent;
