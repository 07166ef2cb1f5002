using System.Collections.Concurrent;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// The keys this process is running now, so a duplicate in wait mode wakes the moment the first request finishes
/// here instead of at its next poll. Duplicates of a request running in another process poll the store.
/// </summary>
internal sealed class InFlightRequests
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _running = new(StringComparer.Ordinal);

    public void Started(string key) =>
        _running[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Finished(string key)
    {
        if (_running.TryRemove(key, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Completes when <paramref name="key"/> finishes here, or after <paramref name="poll"/> at the latest.</summary>
    public async Task WaitAsync(string key, TimeSpan poll, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(key, out var signal))
        {
            await Task.WhenAny(signal.Task, Task.Delay(poll, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
    }
}
