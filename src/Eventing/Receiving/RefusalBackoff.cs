namespace Eventing.Receiving;

/// <summary>
/// The wait before a delivery whose settling copy (dead letter, delayed retry) the broker refused goes back to its queue.
/// A queue that refuses messages (deleted, full, unroutable) is an operator's problem that lasts: the wait grows from
/// 1 s to 1 min with the refusals in a row, rather than redelivering as fast as the broker can. One per listener stage.
/// </summary>
internal sealed class RefusalBackoff(CancellationToken stopping)
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(1);

    private int _refusals;

    /// <summary>Counts a refusal and returns how many came in a row and how long <see cref="WaitAsync"/> waits.</summary>
    public (int Refusals, TimeSpan Delay) Refused()
    {
        var refusals = Interlocked.Increment(ref _refusals);
        return (refusals, Retry.Backoff.Delay(refusals, Initial, Max));
    }

    /// <summary>Waits <paramref name="delay"/>, or less when the listener stops (then the message goes back at once).</summary>
    public async Task WaitAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: hand it back now rather than hold up shutdown.
        }
    }

    /// <summary>A copy was accepted: the next refusal waits the shortest time again.</summary>
    public void Accepted() => Volatile.Write(ref _refusals, 0);
}
