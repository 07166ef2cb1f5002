using System.Diagnostics.Metrics;

namespace Eventing.Idempotency.Diagnostics;

/// <summary>Idempotency counters on the <c>Eventing</c> meter.</summary>
internal sealed class IdempotencyMetrics : IDisposable
{
    public const string MeterName = "Eventing";

    private readonly Meter _meter;

    public IdempotencyMetrics(IMeterFactory? meterFactory = null)
    {
        // The factory hands out the core's meter instance for the same name, so both count under one "Eventing" meter.
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Skipped = _meter.CreateCounter<long>("eventing.idempotency.skipped", "{envelope}", "Duplicates of processed messages acknowledged without calling the handler.");
        Purged = _meter.CreateCounter<long>("eventing.idempotency.purged", "{record}", "Expired processed-message records deleted.");
    }

    public Counter<long> Skipped { get; }

    public Counter<long> Purged { get; }

    public void Dispose() => _meter.Dispose();
}
