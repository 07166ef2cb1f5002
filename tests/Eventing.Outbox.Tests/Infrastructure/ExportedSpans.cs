using System.Collections;
using System.Diagnostics;

namespace Eventing.Outbox.Tests;

/// <summary>
/// What the OpenTelemetry in-memory exporter hands over, kept only for the trace a test follows: the exporter sees
/// every span of the process, and other tests send in parallel. Signals when a span the test waits for ends.
/// </summary>
internal sealed class ExportedSpans : ICollection<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _spans = [];
    private readonly List<(Func<Activity, bool> Match, TaskCompletionSource<Activity> Signal)> _waiters = [];
    private ActivityTraceId _traceId;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>Keeps the spans of <paramref name="traceId"/> from now on, and no others.</summary>
    public void Follow(ActivityTraceId traceId)
    {
        lock (_gate)
        {
            _traceId = traceId;
        }
    }

    /// <summary>The span of the followed trace named <paramref name="name"/>, once it has ended.</summary>
    public Task<Activity> WaitForAsync(string name, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Activity, bool> match = span => span.DisplayName == name;
        lock (_gate)
        {
            foreach (var span in _spans)
            {
                if (match(span))
                {
                    return Task.FromResult(span);
                }
            }

            _waiters.Add((match, signal));
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public void Add(Activity item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (item.TraceId != _traceId || _traceId == default)
            {
                return;
            }

            _spans.Add(item);
            foreach (var (match, signal) in _waiters)
            {
                if (match(item))
                {
                    signal.TrySetResult(item);
                }
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_gate)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_gate)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_gate)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator()
    {
        lock (_gate)
        {
            return ((IEnumerable<Activity>)[.. _spans]).GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
