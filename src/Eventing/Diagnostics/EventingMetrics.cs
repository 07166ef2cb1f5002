using System.Diagnostics.Metrics;

namespace Eventing.Diagnostics;

/// <summary>
/// The <c>Eventing</c> meter. Names, units and tags follow the OpenTelemetry messaging semantic conventions where
/// they have an instrument (<c>messaging.client.*</c>, <c>messaging.process.duration</c>); what operators need
/// beyond them is under <c>eventing.*</c>. States (in-flight handlers, connections) are observed when collected,
/// so they cost nothing per message.
/// </summary>
internal sealed class EventingMetrics : IDisposable
{
    public const string MeterName = "Eventing";

    // The conventions' advice for messaging durations, in seconds.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Meter _meter;

    public EventingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        var durations = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        SentMessages = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Messages a send was attempted for; failed ones carry error.type.");
        SendDuration = _meter.CreateHistogram("messaging.client.operation.duration", "s", "How long a send took, until the broker took responsibility for a durable event.", advice: durations);
        ConsumedMessages = _meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Messages the broker delivered to a listener.");
        ProcessDuration = _meter.CreateHistogram("messaging.process.duration", "s", "How long one delivery attempt took in the pipelines and the listener; failed ones carry error.type.", advice: durations);
        Retries = _meter.CreateCounter<long>("eventing.retries", "{attempt}", "Failed attempts that are retried.");
        DeadLetters = _meter.CreateCounter<long>("eventing.dead_letters", "{message}", "Messages sent to a dead-letter queue, by eventing.dead_letter.reason.");
        DeadLetterFailures = _meter.CreateCounter<long>("eventing.dead_letter.failures", "{message}", "Dead-letter sends the broker refused; the message went back to its queue after a backoff.");
    }

    public Counter<long> SentMessages { get; }

    public Histogram<double> SendDuration { get; }

    public Counter<long> ConsumedMessages { get; }

    public Histogram<double> ProcessDuration { get; }

    public Counter<long> Retries { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> DeadLetterFailures { get; }

    /// <summary>Observes <c>eventing.handlers.in_flight</c>: handlers running now, per listener.</summary>
    public void ObserveInFlight(Func<IEnumerable<Measurement<long>>> observe) =>
        _meter.CreateObservableUpDownCounter("eventing.handlers.in_flight", observe, "{handler}", "Deliveries being handled now, per listener.");

    /// <summary>Observes <c>eventing.connection.state</c> (1 up, 0 down) and <c>eventing.connection.reconnects</c> per provider.</summary>
    public void ObserveConnections(Func<IEnumerable<Measurement<int>>> state, Func<IEnumerable<Measurement<long>>> reconnects)
    {
        _meter.CreateObservableGauge("eventing.connection.state", state, "{connection}", "1 while the provider's broker connection is open, 0 while it is down.");
        _meter.CreateObservableCounter("eventing.connection.reconnects", reconnects, "{reconnect}", "Broker connections the provider re-established after a loss.");
    }

    public void Dispose() => _meter.Dispose();
}
