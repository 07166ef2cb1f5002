using System.Diagnostics.Metrics;

namespace Eventing.Diagnostics;

/// <summary>The <c>Eventing</c> meter: counts of sent, handled, retried and dead-lettered envelopes.</summary>
internal sealed class EventingMetrics : IDisposable
{
    public const string MeterName = "Eventing";

    private readonly Meter _meter;

    public EventingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Sent = _meter.CreateCounter<long>("eventing.envelopes.sent", "{envelope}", "Envelopes handed to the provider.");
        Handled = _meter.CreateCounter<long>("eventing.envelopes.handled", "{envelope}", "Envelopes a listener handled successfully.");
        Retried = _meter.CreateCounter<long>("eventing.envelopes.retried", "{envelope}", "Failed attempts that were retried.");
        DeadLettered = _meter.CreateCounter<long>("eventing.envelopes.dead_lettered", "{envelope}", "Envelopes sent to a dead-letter queue.");
        DeadLetterFailed = _meter.CreateCounter<long>("eventing.envelopes.dead_letter_failed", "{envelope}", "Dead-letter sends that failed; the envelope went back to its queue after a backoff.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Handled { get; }

    public Counter<long> Retried { get; }

    public Counter<long> DeadLettered { get; }

    public Counter<long> DeadLetterFailed { get; }

    public void Dispose() => _meter.Dispose();
}
