using System.Diagnostics.Metrics;

namespace Eventing.Outbox.Diagnostics;

/// <summary>
/// The outbox's instruments on the <c>Eventing</c> meter: what it sent, and the backlog it holds (from
/// <see cref="OutboxBacklogCache"/>, never from a query in the collector's callback).
/// </summary>
internal sealed class OutboxMetrics : IDisposable
{
    public const string MeterName = "Eventing";

    private readonly Meter _meter;
    private readonly OutboxBacklogCache _backlog;
    private readonly TimeProvider _time;

    public OutboxMetrics(OutboxBacklogCache backlog, TimeProvider time, IMeterFactory? meterFactory = null)
    {
        _backlog = backlog;
        _time = time;

        // The factory hands out the core's meter instance for the same name, so everything counts under one "Eventing" meter.
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Sent = _meter.CreateCounter<long>("eventing.outbox.sent", "{message}", "Outbox events the broker confirmed: sent after their commit, by the relay or by a flush.");
        _meter.CreateObservableGauge("eventing.outbox.pending", ObservePending, "{row}", "Outbox rows due and waiting to be sent, as the relay last read them (every few seconds).");
        _meter.CreateObservableGauge("eventing.outbox.scheduled", ObserveScheduled, "{row}", "Scheduled outbox rows whose due time has not come, as the relay last read them.");
        _meter.CreateObservableGauge("eventing.outbox.oldest_age", ObserveOldestAge, "s", "How long the oldest pending outbox row has waited; 0 when none is pending.");
    }

    public Counter<long> Sent { get; }

    public void Dispose() => _meter.Dispose();

    // Nothing is reported before the relay's first read (or with no relay): an unknown backlog is not an empty one.
    private IEnumerable<Measurement<long>> ObservePending() =>
        _backlog.TryGet(out var backlog) ? [new Measurement<long>(backlog.Pending)] : [];

    private IEnumerable<Measurement<long>> ObserveScheduled() =>
        _backlog.TryGet(out var backlog) ? [new Measurement<long>(backlog.Scheduled)] : [];

    // The age grows from the cached time the oldest row became due, so a relay stuck between refreshes still shows the row aging.
    private IEnumerable<Measurement<double>> ObserveOldestAge() =>
        _backlog.TryGet(out var backlog) ? [new Measurement<double>(backlog.OldestAge(_time.GetUtcNow()).TotalSeconds)] : [];
}
