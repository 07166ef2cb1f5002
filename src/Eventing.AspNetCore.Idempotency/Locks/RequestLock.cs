using Eventing.Idempotency.Locks;

namespace Eventing.AspNetCore.Idempotency.Locks;

/// <summary>
/// Per-key request locks: in process always (waiters queue on a semaphore), and across processes when the store
/// registers a shared lock (Redis: <c>SET NX PX</c> with the endpoint's lease, released by a script that only deletes
/// its own token).
/// </summary>
internal sealed class RequestLock(LocalKeyLock local, ISharedRequestLock? shared)
{
    /// <summary>Takes <paramref name="key"/> within <paramref name="wait"/>; <see langword="null"/> when it stayed taken.</summary>
    public async ValueTask<Func<ValueTask>?> TryAcquireAsync(string key, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        if (await local.TryAcquireAsync(key, wait, cancellationToken).ConfigureAwait(false) is not { } localHandle)
        {
            return null;
        }

        if (shared is null)
        {
            return () =>
            {
                localHandle.Release();
                return ValueTask.CompletedTask;
            };
        }

        // What is left of the wait; the shared lock tries at least once even when nothing is left.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var left = wait - (DateTime.UtcNow - started);
        timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        try
        {
            var sharedHandle = await shared.AcquireAsync(key, lease, timeout.Token).ConfigureAwait(false);
            return async () =>
            {
                try
                {
                    await sharedHandle.DisposeAsync().ConfigureAwait(false);
                }
                finally
                {
                    localHandle.Release();
                }
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            localHandle.Release();
            return null;
        }
        catch
        {
            localHandle.Release();
            throw;
        }
    }
}
