using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// The fault suite: long streams of durable events while the broker is restarted and killed. Whatever happens to
/// the broker, every send that returned is delivered (duplicates are counted and allowed), no send fails while the
/// broker comes back within the send timeout, and consumers resume within seconds of the broker being back.
/// Concrete classes must have <c>BrokerRestart</c> in their name: CI runs them alone, after everything else.
/// </summary>
public abstract class FaultConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget, IRestartableBroker, IConsumerProcessTarget
{
    /// <summary>Events per stream.</summary>
    protected const int StreamLength = 20_000;

    /// <summary>Sends in flight at once.</summary>
    protected const int SendsInFlight = 256;

    /// <summary>How soon after the broker accepts connections again deliveries must resume.</summary>
    protected static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Every_returned_send_is_delivered_while_the_broker_restarts_three_times()
    {
        await RunStreamAsync("restarts", "broker restarted 3x", "conformance.faults.restarts", (run, seq) => new RestartStreamEvent(run, seq), [3_000, 9_000, 15_000], async () =>
        {
            await Target.RestartBrokerAsync(CancellationToken.None);
        });
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_broker_is_killed_mid_stream()
    {
        await RunStreamAsync("killed", "broker killed (SIGKILL)", "conformance.faults.killed", (run, seq) => new KilledBrokerStreamEvent(run, seq), [5_000], async () =>
        {
            await Target.KillBrokerAsync(CancellationToken.None);
            await Target.StartBrokerAsync(CancellationToken.None);
        });
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_consumer_process_is_killed_three_times_mid_stream()
    {
        var run = NewRun();
        var listener = Listener("killed-consumer");
        var probe = new StreamProbe();
        var resumes = new List<Resume>();
        var consumer = await ConsumerProcess.StartAsync(Target.ConsumerArguments, listener, run, probe, ConsumerStartTimeout);
        try
        {
            await using var sender = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = TimeSpan.FromSeconds(120) });
            var kills = Task.Run(async () =>
            {
                foreach (var at in new[] { 3_000, 9_000, 15_000 })
                {
                    await probe.WaitForDeliveredAsync(at, TimeSpan.FromMinutes(5));
                    await consumer.KillAsync();
                    await consumer.DisposeAsync();
                    var restarted = Stopwatch.GetTimestamp();
                    consumer = await ConsumerProcess.StartAsync(Target.ConsumerArguments, listener, run, probe, ConsumerStartTimeout);
                    _restarts.Add(restarted);
                }
            });

            await probe.SendAsync(sender.Events, StreamLength, SendsInFlight, seq => new KilledConsumerEvent(run, seq));
            await kills.WaitAsync(TimeSpan.FromMinutes(5));
            await probe.WaitForEveryConfirmedAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            await consumer.DisposeAsync();
        }

        foreach (var restarted in _restarts)
        {
            resumes.Add(probe.ResumedAfter(restarted));
        }

        // Resume here counts from the new process's start: the runtime's start-up, connecting and subscribing.
        var summary = probe.Summarize(Target.Name, "consumer killed 3x (SIGKILL)", resumes);
        Assert.True(probe.Failures.Count == 0, $"{summary}; first failure: {probe.Failures.FirstOrDefault()}");
        Assert.True(probe.Confirmed == StreamLength, summary);
        Assert.True(probe.Lost == 0, summary);
        Assert.True(resumes.Count == 3 && resumes.All(r => r.Consumer is not null), summary);
    }

    private readonly List<long> _restarts = [];

    private static readonly TimeSpan ConsumerStartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ProbeAttemptTimeout = TimeSpan.FromSeconds(5);

    private static void AssertStream(StreamProbe probe, IReadOnlyList<Resume> resumes, string summary)
    {
        Assert.True(probe.Failures.Count == 0, $"{summary}; first failure: {probe.Failures.FirstOrDefault()}");
        Assert.True(probe.Confirmed == StreamLength, summary);
        Assert.True(probe.Lost == 0, summary);
        foreach (var resume in resumes)
        {
            Assert.True(resume.Consumer is not { } after || after <= ResumeWithin, $"deliveries must resume within {ResumeWithin.TotalSeconds} s of the broker being back; {summary}");
        }
    }

    /// <summary>
    /// Sends <see cref="StreamLength"/> durable events with <see cref="SendsInFlight"/> in flight to a running
    /// consumer, and runs <paramref name="fault"/> each time the returned sends reach one of
    /// <paramref name="faultsAt"/> (one fault at a time); the fault returns when the broker accepts connections
    /// again. Then asserts the stream and writes its summary line.
    /// </summary>
    /// <remarks>
    /// The consumer's resume is measured with a probe: right after each fault a raw producer (not the sender under
    /// test, which may itself still be reconnecting) puts one more event on the broker, and the resume is the time
    /// from the broker having it to the consumer handling it. The sender's own comeback is reported beside it.
    /// </remarks>
    private async Task RunStreamAsync<TEvent>(string listener, string scenario, string eventName, Func<string, int, TEvent> create, int[] faultsAt, Func<Task> fault)
        where TEvent : IConformanceEvent
    {
        var run = NewRun();
        var probe = new StreamProbe();
        var brokerBack = new List<long>();
        var consumerResumes = new List<TimeSpan?>();
        var probes = new ConcurrentDictionary<int, TaskCompletionSource<long>>();
        await using (var consumer = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = 8))
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
            await using var sender = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = TimeSpan.FromSeconds(120) });
            var faults = Task.Run(async () =>
            {
                for (var i = 0; i < faultsAt.Length; i++)
                {
                    await probe.WaitForSentAsync(faultsAt[i]);
                    await fault();
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
            });

            await probe.SendAsync(sender.Events, StreamLength, SendsInFlight, seq => create(run, seq));
            await faults.WaitAsync(TimeSpan.FromMinutes(5));
            await probe.WaitForEveryConfirmedAsync(TimeSpan.FromMinutes(3));
        }

        var resumes = brokerBack.Select((back, i) => new Resume(consumerResumes[i], probe.ResumedAfter(back).Send)).ToList();
        var summary = probe.Summarize(Target.Name, scenario, resumes);
        AssertStream(probe, resumes, summary);
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
