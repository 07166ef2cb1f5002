namespace Eventing.AspNetCore.Idempotency.Locks;

/// <summary>
/// Extends request locks across processes; a store that can (Redis) registers one with
/// <see cref="HttpIdempotencyBuilder.UseSharedLock"/>. In-process exclusion always comes first.
/// </summary>
internal interface ISharedRequestLock
{
    /// <summary>Waits until <paramref name="key"/> is free and takes it for at most <paramref name="lease"/>; dispose the result to release it.</summary>
    ValueTask<IAsyncDisposable> AcquireAsync(string key, TimeSpan lease, CancellationToken cancellationToken);
}
