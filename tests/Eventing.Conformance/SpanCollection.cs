using System.Collections;
using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// What the OpenTelemetry in-memory exporter writes into, made safe to read while spans of other tests (running in
/// parallel on the same "Eventing" source) arrive from other threads, and awaitable: a test waits for the spans of its
/// own trace to arrive.
/// </summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly Collector<Activity> _spans = new();

    public int Count => _spans.Count;

    public bool IsReadOnly => false;

    /// <summary>The spans of <paramref name="traceId"/> that arrived so far.</summary>
    public IReadOnlyList<Activity> Of(ActivityTraceId traceId) => [.. _spans.Items.Where(span => span.TraceId == traceId)];

    /// <summary>Waits until <paramref name="count"/> spans named <paramref name="name"/> of <paramref name="traceId"/> arrived.</summary>
    public async Task<IReadOnlyList<Activity>> WaitAsync(ActivityTraceId traceId, string name, int count, TimeSpan timeout)
    {
        await _spans.WaitAsync(
            spans => spans.Count(span => span.TraceId == traceId && span.DisplayName == name) >= count,
            timeout,
            $"{count} '{name}' spans of trace {traceId}").ConfigureAwait(false);
        return [.. Of(traceId).Where(span => span.DisplayName == name)];
    }

    public void Add(Activity item) => _spans.Add(item);

    public void Clear() => throw new NotSupportedException();

    public bool Contains(Activity item) => _spans.Items.Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => _spans.Items.ToArray().CopyTo(array, arrayIndex);

    public bool Remove(Activity item) => throw new NotSupportedException();

    public IEnumerator<Activity> GetEnumerator() => _spans.Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
