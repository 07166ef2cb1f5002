namespace Eventing.Providers;

/// <summary>
/// One consumer's standing with the broker, reported by its provider: cancelled by the broker (queue deleted,
/// consumer-cancel notification, ERROR frame, link detached) and restored. Disposing it removes the consumer from
/// the reports (it was stopped on purpose).
/// </summary>
public sealed class ConsumerHealth : IDisposable
{
    private readonly ProviderHealth _provider;
    private readonly ListenerDescriptor _listener;
    private readonly Lock _gate = new();
    private DateTimeOffset? _cancelledAt;
    private string? _reason;
    private long _restored;

    internal ConsumerHealth(ProviderHealth provider, ListenerDescriptor listener)
    {
        _provider = provider;
        _listener = listener;
    }

    /// <summary>The broker cancelled the consumer for <paramref name="reason"/>: it receives nothing until <see cref="Restored"/>.</summary>
    public void Cancelled(string reason)
    {
        lock (_gate)
        {
            _cancelledAt ??= _provider.Time.GetUtcNow();
            _reason = reason;
        }
    }

    /// <summary>The provider consumes again (it re-declared the queue, re-subscribed or re-attached the link).</summary>
    public void Restored()
    {
        lock (_gate)
        {
            if (_cancelledAt is not null)
            {
                _restored++;
            }

            _cancelledAt = null;
            _reason = null;
        }
    }

    /// <summary>Removes the consumer from the reports.</summary>
    public void Dispose() => _provider.Remove(this);

    internal ConsumerHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new ConsumerHealthSnapshot(_listener.Name, _listener.Queue, _cancelledAt is null, _cancelledAt, _reason, _restored);
        }
    }
}
