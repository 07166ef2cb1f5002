namespace Eventing.Outbox.Relay;

/// <summary>Wakes the relay before its poll interval ends, e.g. after an ordered commit.</summary>
internal sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly Lock _gate = new();

    public void Set()
    {
        // At most one pending wake-up: many commits during one relay batch need only one more pass.
        lock (_gate)
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
    }

    public void Dispose() => _semaphore.Dispose();

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
