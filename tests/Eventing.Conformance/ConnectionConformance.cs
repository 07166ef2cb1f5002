using System.Diagnostics;

namespace Eventing.Conformance;

/// <summary>
/// Start against a broker that refuses the credentials or is not there: a clear exception that names the
/// endpoint, within a bounded time. Only targets that connect over a network run these.
/// </summary>
public abstract class ConnectionConformance<TTarget>(TTarget target) : ConformanceTests<TTarget>(target)
    where TTarget : ConformanceTarget, IAuthenticatingBroker
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public Task Wrong_credentials_fail_start_with_a_clear_exception_naming_the_endpoint() =>
        AssertStartFailsAsync(ConnectionMode.WrongCredentials);

    [Fact]
    public Task An_unreachable_broker_fails_start_with_a_clear_exception_naming_the_endpoint() =>
        AssertStartFailsAsync(ConnectionMode.Unreachable);

    [Fact]
    public async Task A_provider_given_several_endpoints_connects_past_one_that_is_down()
    {
        var run = NewRun();
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Stopwatch.StartNew();
        await using var host = await TestHost.StartAsync(Target, new ProviderSettings { Connection = ConnectionMode.FirstEndpointUnreachable, ConnectTimeout = ConnectTimeout });
        watch.Stop();
        await using var subscription = await host.Events.SubscribeAsync<FailoverEvent>(Listener("failover"), (e, _, _) =>
        {
            if (e.Run == run)
            {
                received.TrySetResult(e.Seq);
            }

            return default;
        });

        await host.Events.SendAsync(new FailoverEvent(run, 7));

        Assert.Equal(7, await received.Task.WaitAsync(Patience));

        // The refused endpoint is passed over at once, not after a connect timeout or a backoff.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, ConnectTimeout);
    }

    private async Task AssertStartFailsAsync(ConnectionMode mode)
    {
        var watch = Stopwatch.StartNew();
        var thrown = await Record.ExceptionAsync(async () =>
        {
            await using var host = await TestHost.StartAsync(Target, new ProviderSettings { Connection = mode, ConnectTimeout = ConnectTimeout });
        }).WaitAsync(TimeSpan.FromMinutes(1));
        watch.Stop();

        var exception = Assert.IsType<BrokerUnreachableException>(Unwrap(thrown));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, ConnectTimeout + TimeSpan.FromSeconds(10));
        Assert.Contains(Target.EndpointFor(mode), exception.Message, StringComparison.Ordinal);
        Assert.Contains(Target.EndpointFor(mode), exception.Endpoint, StringComparison.Ordinal);
        Assert.DoesNotContain(":wrong@", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":guest@", exception.Message, StringComparison.Ordinal);
    }

    private static Exception? Unwrap(Exception? exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerException;
        }

        return exception;
    }
}
