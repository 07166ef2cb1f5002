using System.Collections.Concurrent;
using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// The fault suite: long streams of durable events while the broker is restarted and killed. Whatever happens to
/// the broker, every send that returned is delivered (duplicates are counted and allowed), no send fails while the
/// broker comes back within the send timeout, and consumers resume within seconds of the broker being back.
/// Concrete classes must have <c>BrokerRestart</c> in their name: CI runs them alone, after everything else.
/// </summary>
public abstract class FaultConformance<TTarget>(TTarget target) : FaultStreamTests<TTarget>(target)
    where TTarget : ConformanceTarget, IRestartableBroker, IConsumerProcessTarget
{
    /// <summary>How soon after the broker accepts connections again deliveries must resume.</summary>
    private static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Every_returned_send_is_delivered_while_the_broker_restarts_three_times()
    {
        await RunStreamAsync("restarts", "broker restarted 3x", "conformance.faults.restarts", (run, seq) => new RestartStreamEvent(run, seq), [3_000, 9_000, 15_000], async _ =>
        {
            await Target.RestartBrokerAsync(CancellationToken.None);
        }, ResumeWithin);
    }

    [Fact]
    public async Task Every_returned_send_is_delivered_when_the_broker_is_killed_mid_stream()
    {
        await RunStreamAsync("killed", "broker killed (SIGKILL)", "conformance.faults.killed", (run, seq) => new KilledBrokerStreamEvent(run, seq), [5_000], async _ =>
        {
            await Target.KillBrokerAsync(CancellationToken.None);
            await Target.StartBrokerAsync(CancellationToken.None);
        }, ResumeWithin);
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

}
