using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// Counts one stream of numbered events under faults: which sends returned (confirmed), how often each arrived,
/// and when deliveries resumed after the broker came back. Writes one summary line per scenario.
/// </summary>
public sealed class StreamProbe
{
    private readonly ConcurrentDictionary<int, int> _deliveries = new();
    private readonly ConcurrentBag<int> _confirmed = [];
    private readonly Collector<int> _returned = new();
    private readonly ConcurrentBag<Exception> _failures = [];
    private readonly ConcurrentQueue<long> _receivedAt = new();
    private readonly ConcurrentQueue<long> _returnedAt = new();
    private readonly Collector<int> _distinct = new();

    /// <summary>Sends that returned without an exception.</summary>
    public int Confirmed => _confirmed.Count;

    /// <summary>The sends that threw.</summary>
    public IReadOnlyCollection<Exception> Failures => _failures;

    /// <summary>Distinct events delivered so far.</summary>
    public int Delivered => _distinct.Count;

    /// <summary>Deliveries beyond the first of each event (allowed: at-least-once).</summary>
    public int Duplicates
    {
        get
        {
            var duplicates = 0;
            foreach (var count in _deliveries.Values)
            {
                duplicates += count - 1;
            }

            return duplicates;
        }
    }

    /// <summary>Confirmed events that never arrived.</summary>
    public int Lost => _confirmed.Count(seq => !_deliveries.ContainsKey(seq));

    /// <summary>Records that the send of <paramref name="seq"/> returned.</summary>
    public void SendReturned(int seq)
    {
        _returnedAt.Enqueue(Stopwatch.GetTimestamp());
        _confirmed.Add(seq);
        _returned.Add(seq);
    }

    /// <summary>
    /// Sends events 0 to <paramref name="count"/> - 1 with <paramref name="inFlight"/> sends in flight, recording
    /// each as returned or failed; returns when every send has done one or the other. <paramref name="beforeSend"/>,
    /// when given, is awaited before each send is issued (to hold the stream until something happened).
    /// </summary>
    public async Task SendAsync<TEvent>(IEventManager events, int count, int inFlight, Func<int, TEvent> create, Func<int, Task>? beforeSend = null)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(create);
        using var slots = new SemaphoreSlim(inFlight);
        var sends = new List<Task>(count);
        for (var seq = 0; seq < count; seq++)
        {
            if (beforeSend is not null)
            {
                await beforeSend(seq);
            }

            await slots.WaitAsync();
            sends.Add(SendOneAsync(seq));
        }

        await Task.WhenAll(sends);

        async Task SendOneAsync(int seq)
        {
            try
            {
                await events.SendAsync(create(seq));
                SendReturned(seq);
            }
            catch (Exception exception)
            {
                SendFailed(exception);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> sends returned.</summary>
    public Task WaitForSentAsync(int count) =>
        _returned.WaitAsync(items => items.Count >= count, TimeSpan.FromMinutes(5), $"{count} returned sends");

    /// <summary>Records that the send of <paramref name="seq"/> threw.</summary>
    public void SendFailed(Exception exception) => _failures.Add(exception);

    /// <summary>Records one delivery of <paramref name="seq"/>.</summary>
    public void Received(int seq)
    {
        _receivedAt.Enqueue(Stopwatch.GetTimestamp());
        if (_deliveries.AddOrUpdate(seq, 1, static (_, count) => count + 1) == 1)
        {
            _distinct.Add(seq);
        }
    }

    /// <summary>Waits until every confirmed send has arrived at least once.</summary>
    public Task WaitForEveryConfirmedAsync(TimeSpan timeout)
    {
        var expected = _confirmed.ToHashSet();
        return _distinct.WaitAsync(items => items.Count >= expected.Count && expected.IsSubsetOf(_deliveries.Keys), timeout,
            $"every confirmed send at the listener ({expected.Count} confirmed)");
    }

    /// <summary>Waits until at least <paramref name="count"/> distinct events arrived.</summary>
    public Task WaitForDeliveredAsync(int count, TimeSpan timeout) =>
        _distinct.WaitAsync(items => items.Count >= count, timeout, $"{count} distinct deliveries");

    /// <summary>
    /// How deliveries and sends came back after <paramref name="brokerBack"/> (a <see cref="Stopwatch"/> timestamp
    /// taken when the broker accepted connections again).
    /// </summary>
    /// <remarks>
    /// The consumer's resume is the wait for its first delivery after the broker was back, counted from the moment
    /// there was something to deliver: at once if messages were waiting, else from the first send the broker
    /// confirmed after its return. A sender that is slow to come back is reported on its own, not charged to the
    /// consumer; a stream that was fully delivered before the broker came back has nothing to resume.
    /// </remarks>
    public Resume ResumedAfter(long brokerBack)
    {
        var delivery = FirstAtOrAfter(_receivedAt, brokerBack);
        var send = FirstAtOrAfter(_returnedAt, brokerBack);
        TimeSpan? sendResume = send is { } s ? Stopwatch.GetElapsedTime(brokerBack, s) : null;
        if (delivery is not { } d)
        {
            return new Resume(null, sendResume);
        }

        var from = send is { } c && c < d ? c : brokerBack;
        return new Resume(Stopwatch.GetElapsedTime(from, d), sendResume);
    }

    private static long? FirstAtOrAfter(ConcurrentQueue<long> times, long from)
    {
        long? first = null;
        foreach (var at in times)
        {
            if (at >= from && (first is null || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    /// <summary>Writes the scenario's summary line to the test log and the run's summary file.</summary>
    public string Summarize(string target, string scenario, IReadOnlyList<Resume> resumes)
    {
        ArgumentNullException.ThrowIfNull(resumes);
        var resume = resumes.Count == 0 ? "-" : string.Join('/', resumes.Select(r => Seconds(r.Consumer)));
        var sends = resumes.Count == 0 ? "-" : string.Join('/', resumes.Select(r => Seconds(r.Send)));
        var line = $"fault-summary: {target} {scenario}: confirmed={Confirmed} delivered={Delivered} lost={Lost} duplicates={Duplicates} failed-sends={Failures.Count} resume={resume} sends-resumed={sends}";
        var file = Environment.GetEnvironmentVariable("EVENTING_FAULT_SUMMARY") is { Length: > 0 } path
            ? path
            : Path.Combine(Path.GetTempPath(), "eventing-fault-summary.txt");
        lock (SummaryGate)
        {
            File.AppendAllText(file, line + Environment.NewLine);
        }

        return line;
    }

    private static string Seconds(TimeSpan? time) =>
        time is { } t ? t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s" : "n/a";

    private static readonly Lock SummaryGate = new();
}

/// <summary>How a stream came back after one fault: the consumer's wait for work it could do, and the sender's.</summary>
/// <param name="Consumer">Null when everything had been delivered before the broker came back.</param>
/// <param name="Send">Null when every send had returned before the broker came back.</param>
public readonly record struct Resume(TimeSpan? Consumer, TimeSpan? Send);
