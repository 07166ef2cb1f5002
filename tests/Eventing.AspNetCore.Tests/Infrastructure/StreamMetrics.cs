using System.Diagnostics.Metrics;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Listens to the <c>eventing.streams.*</c> instruments of one stream (stream names are unique per test), so a test
/// can wait for "the slow client was disconnected" as a signal instead of sleeping.
/// </summary>
internal sealed class StreamMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _stream;
    private readonly Lock _gate = new();
    private readonly List<(string Instrument, long Value, string? Reason)> _measurements = [];
    private readonly List<(Func<StreamMetrics, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    public StreamMetrics(string stream)
    {
        _stream = stream;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name.StartsWith("eventing.streams.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Sum(string instrument, string? reason = null)
    {
        lock (_gate)
        {
            long sum = 0;
            foreach (var measurement in _measurements)
            {
                if (measurement.Instrument == instrument && (reason is null || measurement.Reason == reason))
                {
                    sum += measurement.Value;
                }
            }

            return sum;
        }
    }

    public Task WaitAsync(Func<StreamMetrics, bool> condition)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((condition, signal));
        }

        Check();
        return signal.Task.WaitAsync(StreamClient.Timeout);
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? stream = null;
        string? reason = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "stream")
            {
                stream = tag.Value as string;
            }
            else if (tag.Key == "reason")
            {
                reason = tag.Value as string;
            }
        }

        if (stream != _stream)
        {
            return;
        }

        lock (_gate)
        {
            _measurements.Add((instrument.Name, value, reason));
        }

        Check();
    }

    private void Check()
    {
        List<TaskCompletionSource>? done = null;
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(this))
                {
                    (done ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        done?.ForEach(signal => signal.TrySetResult());
    }
}
