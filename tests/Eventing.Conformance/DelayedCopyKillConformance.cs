namespace Eventing.Conformance;

/// <summary>
/// A consumer process killed with SIGKILL between the broker confirming a delayed copy and the acknowledgement of the
/// original loses nothing: the next consumer gets the original again (it was never acknowledged) and the copy after its
/// delay, a duplicate and not a loss. Had the original been acknowledged before the copy was confirmed, a kill in
/// between would lose the message; this kill point shows the order.
/// </summary>
public abstract class DelayedCopyKillConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget, IConsumerProcessTarget
{
    private static readonly TimeSpan ConsumerStartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_consumer_killed_after_the_delayed_copy_is_confirmed_and_before_the_ack_loses_nothing()
    {
        var run = NewRun();
        var listener = Listener("delayed-copy-kill");
        var probe = new StreamProbe();
        string[] delayed = ["--delayed-retry", "1"];
        await using var sender = await TestHost.StartAsync(Target);

        await using (var frozen = await ConsumerProcess.StartAsync(
            Target.ConsumerArguments, listener, run, probe, ConsumerStartTimeout, [.. delayed, "--fail-until-delayed", "true", "--freeze-after-delayed-copy", "true"]))
        {
            await sender.Events.SendAsync(new DelayedCopyEvent(run, 1));
            await frozen.WaitForLineAsync(line => line.StartsWith("delayed-copy ", StringComparison.Ordinal), Patience);
            await frozen.KillAsync();
            Assert.DoesNotContain(frozen.Lines, line => line.StartsWith("handled ", StringComparison.Ordinal));
        }

        await using var next = await ConsumerProcess.StartAsync(Target.ConsumerArguments, listener, run, probe, ConsumerStartTimeout, delayed);

        // "handled <seq> <delayed retries>": the original comes back as it was, the copy with its retry count.
        await next.WaitForLineAsync(line => line == "handled 1 0", Patience);
        await next.WaitForLineAsync(line => line == "handled 1 1", Patience);
    }
}
