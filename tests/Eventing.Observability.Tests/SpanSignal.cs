using System.Diagnostics;
using OpenTelemetry;

namespace Eventing.Observability.Tests;

/// <summary>
/// A processor after the in-memory exporter that completes a task when a span the test waits for has ended, so the
/// test waits on that signal rather than polling the exported list. Register the waits before the spans can start.
/// </summary>
internal sealed class SpanSignal : BaseProcessor<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<(Func<Activity, bool> Matches, TaskCompletionSource<Activity> Ended)> _waits = [];

    /// <summary>Completes with the first span matching <paramref name="matches"/> that ends from now on.</summary>
    public Task<Activity> WhenEnded(Func<Activity, bool> matches)
    {
        var ended = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waits.Add((matches, ended));
        }

        return ended.Task;
    }

    public override void OnEnd(Activity data)
    {
        lock (_gate)
        {
            for (var i = _waits.Count - 1; i >= 0; i--)
            {
                if (_waits[i].Matches(data))
                {
                    _waits[i].Ended.TrySetResult(data);
                    _waits.RemoveAt(i);
                }
            }
        }
    }
}
