using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// What the fault suites share: one long stream of durable events from a sender host to a consumer host while
/// faults happen, the raw probe that measures how soon the consumer resumed after each, and the assertions.
/// </summary>
public abstract class FaultStreamTests<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget
{
    /// <summary>Events per stream.</summary>
    protected const int StreamLength = 20_000;

    /// <summary>Sends in flight at once.</summary>
    protected const int SendsInFlight = 256;

    private static readonly TimeSpan ProbeAttemptTimeout = TimeSpan.FromSeconds(5);

    private static void AssertStream(StreamProbe probe, IReadOnlyList<Resume> resumes, TimeSpan resumeWithin, string summary)
    {
        Assert.True(probe.Failures.Count == 0, $"{summary}; first failure: {probe.Failures.FirstOrDefault()}");
        Assert.True(probe.Confirmed == StreamLength, summary);
        Assert.True(probe.Lost == 0, summary);
        foreach (var resume in resumes)
        {
            Assert.True(resume.Consumer is not { } after || after <= resumeWithin, $"deliveries must resume within {resumeWithin.TotalSeconds} s of the broker being back; {summary}");

            // A sender that comes back only when a heartbeat times out (a connection that did not notice the broker
            // leaving) pauses for 20-30 s: far above any reconnect.
            Assert.True(resume.Send is not { } sent || sent <= SendsResumeWithin, $"sends must resume within {SendsResumeWithin.TotalSeconds} s of the broker being back; {summary}");
        }
    }

    private static readonly TimeSpan SendsResumeWithin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Sends <see cref="StreamLength"/> durable events with <see cref="SendsInFlight"/> in flight to a running
    /// consumer, and runs <paramref name="fault"/> (with the fault's index) each time the returned sends reach one of
    /// <paramref name="faultsAt"/> (one fault at a time); the fault returns when the broker accepts connections
    /// again. Then asserts that nothing was lost, that deliveries resumed within <paramref name="resumeWithin"/> of
    /// each fault, and writes the stream's summary line. Both hosts use <paramref name="settings"/> (with a long
    /// send timeout when it sets none). With <paramref name="holdForFaults"/> the sender never runs more than
    /// <see cref="SendsInFlight"/> past a fault's threshold before that fault began, so every fault, however late
    /// after the one before, meets sends in flight and has sends after it.
    /// </summary>
    /// <remarks>
    /// The consumer's resume is measured with a probe: right after each fault a raw producer (not the sender under
    /// test, which may itself still be reconnecting) puts one more event on the broker, and the resume is the time
    /// from the broker having it to the consumer handling it. The sender's own comeback is reported beside it.
    /// </remarks>
    private protected async Task RunStreamAsync<TEvent>(
        string listener, string scenario, string eventName, Func<string, int, TEvent> create, int[] faultsAt, Func<int, Task> fault, TimeSpan resumeWithin, ProviderSettings? settings = null, bool holdForFaults = false)
        where TEvent : IConformanceEvent
    {
        var began = faultsAt.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var run = NewRun();
        var probe = new StreamProbe();
        var brokerBack = new List<long>();
        var consumerResumes = new List<TimeSpan?>();
        var probes = new ConcurrentDictionary<int, TaskCompletionSource<long>>();
        settings ??= ProviderSettings.Default;
        var sending = settings.SendTimeout is null ? settings with { SendTimeout = TimeSpan.FromSeconds(120) } : settings;
        await using (var consumer = await TestHost.StartAsync(Target, settings, options: o => o.DefaultConcurrency = 8))
        {
            await using var subscription = await consumer.Events.SubscribeAsync<TEvent>(Listener(listener), (e, _, _) =>
            {
                if (e.Run == run)
                {
                    if (e.Seq < 0)
                    {
                        probes.GetOrAdd(e.Seq, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(Stopwatch.GetTimestamp());
                    }
                    else
                    {
                        probe.Received(e.Seq);
                    }
                }

                return default;
            });
            await using var sender = await TestHost.StartAsync(Target, sending);
            var faults = Task.Run(async () =>
            {
                try
                {
                    await RunFaultsAsync();
                }
                finally
                {
                    // A failed fault must not leave the sender held at its gate.
                    foreach (var gate in began)
                    {
                        gate.TrySetResult();
                    }
                }
            });

            await probe.SendAsync(sender.Events, StreamLength, SendsInFlight, seq => create(run, seq), holdForFaults ? HoldAsync : null);
            await faults.WaitAsync(TimeSpan.FromMinutes(5));
            await probe.WaitForEveryConfirmedAsync(TimeSpan.FromMinutes(3));

            async Task HoldAsync(int seq)
            {
                for (var i = 0; i < faultsAt.Length && seq >= faultsAt[i] + SendsInFlight; i++)
                {
                    await began[i].Task;
                }
            }

            async Task RunFaultsAsync()
            {
                for (var i = 0; i < faultsAt.Length; i++)
                {
                    await probe.WaitForSentAsync(faultsAt[i]);
                    began[i].TrySetResult();
                    await fault(i);
                    brokerBack.Add(Stopwatch.GetTimestamp());
                    var seq = -(i + 1);
                    var handled = probes.GetOrAdd(seq, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
                    var attempts = new List<long>();
                    await PublishProbeAsync(eventName, run, seq, attempts);
                    var at = await handled.Task.WaitAsync(TimeSpan.FromMinutes(2));

                    // From the attempt that got the probe to the broker: the last one that began before it was handled
                    // (an abandoned attempt may have delivered it, and the broker may deliver before it confirms).
                    consumerResumes.Add(Stopwatch.GetElapsedTime(attempts.Where(start => start <= at).DefaultIfEmpty(at).Max(), at));
                }
            }
        }

        var resumes = brokerBack.Select((back, i) => new Resume(consumerResumes[i], probe.ResumedAfter(back).Send)).ToList();
        var summary = probe.Summarize(Target.Name, scenario, resumes);
        AssertStream(probe, resumes, resumeWithin, summary);
    }

    /// <summary>Publishes one probe event raw, retrying while the broker is still coming up; records when each attempt began.</summary>
    private async Task PublishProbeAsync(string eventName, string run, int seq, List<long> attempts)
    {
        var body = System.Text.Encoding.UTF8.GetBytes($$"""{"run":"{{run}}","seq":{{seq}}}""");
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            lock (attempts)
            {
                attempts.Add(Stopwatch.GetTimestamp());
            }

            try
            {
                // Bounded per attempt: a raw client's own recovering connection can hang a publish (RabbitMQ.Client
                // confirm tracking after recovery, upstream #1930); that attempt is abandoned and another one made.
                using var timeout = new CancellationTokenSource(ProbeAttemptTimeout);
                await Target.PublishRawAsync(eventName, body, RawAttributes(Guid.NewGuid().ToString(), eventName), durable: true, timeout.Token)
                    .WaitAsync(ProbeAttemptTimeout);
                return;
            }
            catch (Exception) when (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
            {
                // The raw producer's own connection may still be recovering from the fault.
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
