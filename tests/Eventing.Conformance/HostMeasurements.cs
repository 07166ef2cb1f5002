using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Conformance;

/// <summary>
/// Every measurement of one host's "Eventing" meter. Tests of other classes start and stop hosts with meters of the
/// same name in the same process at the same time; listening to this host's meter instance alone keeps their
/// measurements, and their meters' disposal, out of this test.
/// </summary>
public sealed class HostMeasurements : IDisposable
{
    private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
    private readonly MeterListener _listener = new();

    public HostMeasurements(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        // The factory hands out its one cached meter of a name: the instance the host's instruments hang off.
        var meter = host.Services.GetRequiredService<IMeterFactory>().Create(EventingDiagnostics.MeterName);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>How many measurements of <paramref name="instrument"/> carry every tag given (observed instruments are read now).</summary>
    public int Count(string instrument, params KeyValuePair<string, object?>[] tags)
    {
        _listener.RecordObservableInstruments();
        return Matching(instrument, tags).Count();
    }

    /// <summary>The sum of the measurements of <paramref name="instrument"/> that carry every tag given.</summary>
    public double Sum(string instrument, params KeyValuePair<string, object?>[] tags) => Matching(instrument, tags).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();

    private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string instrument, KeyValuePair<string, object?>[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(wanted => m.Tags.Any(tag => tag.Key == wanted.Key && Equals(tag.Value, wanted.Value))));

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue((instrument.Name, value, tags.ToArray()));
}
