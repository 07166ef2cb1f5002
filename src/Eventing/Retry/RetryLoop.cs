namespace Eventing.Retry;

/// <summary>
/// Tries an operation until it succeeds, pausing a <see cref="Backoff"/> between tries: how every provider connects
/// and reconnects to its broker, so the loop, its pacing and its cancellation are written once.
/// </summary>
internal static class RetryLoop
{
    /// <summary>
    /// Calls <paramref name="attempt"/> (with the try number, 1 first) until it returns. After a failure,
    /// <paramref name="failed"/> sees the exception, the try number and the wait before the next try; it returns
    /// false to give up, and the exception propagates. Cancellation of <paramref name="cancellationToken"/>, during a
    /// try or a pause, ends the loop with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="attempt">One try; gets the try number and the loop's token.</param>
    /// <param name="backoff">The waits between tries.</param>
    /// <param name="failed">Logs a failure and says whether to go on.</param>
    /// <param name="cancellationToken">Ends the loop.</param>
    /// <param name="pause">
    /// Waits between tries; <see cref="Task.Delay(TimeSpan, CancellationToken)"/> by default. A provider passes its own
    /// to cut a pause short when something needs the connection now.
    /// </param>
    public static async Task<T> RunAsync<T>(
        Func<int, CancellationToken, Task<T>> attempt,
        Backoff backoff,
        Func<Exception, int, TimeSpan, bool> failed,
        CancellationToken cancellationToken,
        Func<TimeSpan, CancellationToken, Task>? pause = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(failed);
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await attempt(tries, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not OperationCanceledException { CancellationToken.IsCancellationRequested: true })
            {
                var wait = backoff.Next();
                if (!failed(exception, tries, wait))
                {
                    throw;
                }

                await (pause ?? Task.Delay)(wait, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
