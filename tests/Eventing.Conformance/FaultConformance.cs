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
        var resumes = new List<TimeSpan?>();
        var probe = await RunStreamAsync<RestartStreamEvent>("restarts", (run, seq) => new RestartStreamEvent(run, seq),
            faultsAt: [3_000, 9_000, 15_000],
            fault: async probe =>
            {
                await Target.RestartBrokerAsync(CancellationToken.None);
                return Stopwatch.GetTimestamp();
            },
            resumes);

        var summary = probe.Summarize(Target.Name, "broker restarted 3x", resumes);
        AssertStream(probe, resumes, summary);
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_broker_is_killed_mid_stream()
    {
        var resumes = new List<TimeSpan?>();
        var probe = await RunStreamAsync<KilledBrokerStreamEvent>("killed", (run, seq) => new KilledBrokerStreamEvent(run, seq),
            faultsAt: [5_000],
            fault: async probe =>
            {
                await Target.KillBrokerAsync(CancellationToken.None);
                await Target.StartBrokerAsync(CancellationToken.None);
                return Stopwatch.GetTimestamp();
            },
            resumes);

        var summary = probe.Summarize(Target.Name, "broker killed (SIGKILL)", resumes);
        AssertStream(probe, resumes, summary);
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_consumer_process_is_killed_three_times_mid_stream()
    {
        var run = NewRun();
        var listener = Listener("killed-consumer");
        var probe = new StreamProbe();
        var resumes = new List<TimeSpan?>();
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

            await SendStreamAsync(sender, probe, seq => new KilledConsumerEvent(run, seq));
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
        Assert.True(resumes.Count == 3 && resumes.All(r => r is not null), summary);
    }

    private readonly List<long> _restarts = [];

    private static readonly TimeSpan ConsumerStartTimeout = TimeSpan.FromSeconds(60);

    private static void AssertStream(StreamProbe probe, List<TimeSpan?> resumes, string summary)
    {
        Assert.True(probe.Failures.Count == 0, $"{summary}; first failure: {probe.Failures.FirstOrDefault()}");
        Assert.True(probe.Confirmed == StreamLength, summary);
        Assert.True(probe.Lost == 0, summary);
        foreach (var resume in resumes)
        {
            Assert.True(resume is { } after && after <= ResumeWithin, $"deliveries must resume within {ResumeWithin.TotalSeconds} s of the broker being back; {summary}");
        }
    }

    /// <summary>
    /// Sends <see cref="StreamLength"/> durable events with <see cref="SendsInFlight"/> in flight to a running
    /// consumer, and runs <paramref name="fault"/> each time the confirmed count reaches one of
    /// <paramref name="faultsAt"/> (one fault at a time). The fault returns when the broker accepts connections
    /// again; the time deliveries took to resume after that goes into <paramref name="resumes"/>.
    /// </summary>
    private async Task<StreamProbe> RunStreamAsync<TEvent>(
        string listener,
        Func<string, int, TEvent> create,
        int[] faultsAt,
        Func<StreamProbe, Task<long>> fault,
        List<TimeSpan?> resumes)
        where TEvent : IConformanceEvent
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(faultsAt);
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(resumes);
        var run = NewRun();
        var probe = new StreamProbe();
        await using var consumer = await TestHost.StartAsync(Target, options: o => o.DefaultConcurrency = 8);
        await using var subscription = await consumer.Events.SubscribeAsync<TEvent>(Listener(listener), (e, _, _) =>
        {
            if (e.Run == run)
            {
                probe.Received(e.Seq);
            }

            return default;
        });
        await using var sender = await TestHost.StartAsync(Target, new ProviderSettings { SendTimeout = TimeSpan.FromSeconds(120) });

        var brokerBack = new List<long>();
        var faults = Task.Run(async () =>
        {
            foreach (var at in faultsAt)
            {
                await probe.WaitForSentAsync(at);
                brokerBack.Add(await fault(probe));
            }
        });

        await SendStreamAsync(sender, probe, seq => create(run, seq));
        await faults.WaitAsync(TimeSpan.FromMinutes(5));
        await probe.WaitForEveryConfirmedAsync(TimeSpan.FromMinutes(3));
        foreach (var back in brokerBack)
        {
            resumes.Add(probe.ResumedAfter(back));
        }

        return probe;
    }

    /// <summary>Sends <see cref="StreamLength"/> events with <see cref="SendsInFlight"/> in flight; returns when every send returned or threw.</summary>
    private static async Task SendStreamAsync<TEvent>(TestHost sender, StreamProbe probe, Func<int, TEvent> create)
        where TEvent : notnull
    {
        using var slots = new SemaphoreSlim(SendsInFlight);
        var sends = new List<Task>(StreamLength);
        for (var seq = 0; seq < StreamLength; seq++)
        {
            await slots.WaitAsync();
            sends.Add(SendOneAsync(seq));
        }

        await Task.WhenAll(sends);

        async Task SendOneAsync(int seq)
        {
            try
            {
                await sender.Events.SendAsync(create(seq));
                probe.SendReturned(seq);
            }
            catch (Exception exception)
            {
                probe.SendFailed(exception);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
