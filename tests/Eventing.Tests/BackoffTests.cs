using Eventing.Retry;

namespace Eventing.Tests;

public sealed class BackoffTests
{
    [Fact]
    public void Each_wait_doubles_up_to_the_maximum_within_twenty_percent_jitter()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        double[] expected = [100, 200, 400, 500, 500];
        foreach (var nominal in expected)
        {
            var wait = backoff.Next().TotalMilliseconds;
            Assert.InRange(wait, nominal * 0.8, nominal * 1.2);
        }

        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Current);
    }

    [Fact]
    public async Task The_loop_tries_until_the_operation_succeeds_and_reports_each_failure_with_its_wait()
    {
        var failures = new List<(int Try, TimeSpan Wait)>();
        var result = await RetryLoop.RunAsync(
            (attempt, _) => attempt < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult(attempt),
            new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4)),
            (_, attempt, wait) =>
            {
                failures.Add((attempt, wait));
                return true;
            },
            CancellationToken.None);

        Assert.Equal(3, result);
        Assert.Equal([1, 2], failures.ConvertAll(failure => failure.Try));
        Assert.True(failures[1].Wait > failures[0].Wait * 0.8 * 2 / 1.2);
    }

    [Fact]
    public async Task The_loop_gives_up_with_the_operations_exception_when_told_to()
    {
        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => RetryLoop.RunAsync<int>(
            (_, _) => throw new UnauthorizedAccessException("refused"),
            new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)),
            (exception, _, _) => exception is not UnauthorizedAccessException,
            CancellationToken.None));
        Assert.Equal("refused", error.Message);
    }

    [Fact]
    public async Task Cancelling_ends_the_loop_during_a_pause()
    {
        using var cancel = new CancellationTokenSource();
        var tries = 0;
        var loop = RetryLoop.RunAsync<int>(
            (_, _) =>
            {
                tries++;
                throw new InvalidOperationException("down");
            },
            new Backoff(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)),
            (_, _, _) => true,
            cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        Assert.Equal(1, tries);
    }
}
