namespace Eventing.Idempotency;

/// <summary>
/// A lock per key shared by processes (Redis). In-process exclusion always applies; a store package registers this
/// to extend it across processes with <see cref="IdempotencyBuilder.UseLock"/>.
/// </summary>
public interface IKeyLock
{
    /// <summary>Waits until <paramref name="key"/> is free and takes it; dispose the result to release it.</summary>
    ValueTask<IAsyncDisposable> AcquireAsync(string key, CancellationToken cancellationToken);
}
