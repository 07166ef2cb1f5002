namespace Eventing.Providers;

/// <summary>
/// What a provider knows of its broker connection and its consumers, kept up to date by the provider as things
/// happen and read by the health check and the metrics at any moment. Thread-safe.
/// </summary>
/// <remarks>
/// A provider reports <see cref="Connected"/> when its connection opens (again), <see cref="Disconnected"/> when it
/// loses it, and registers each consumer with <see cref="AddConsumer"/>, reporting through the returned
/// <see cref="ConsumerHealth"/> when the broker cancels that consumer and when the provider restored it.
/// </remarks>
public sealed class ProviderHealth
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<ConsumerHealth> _consumers = [];
    private string _endpoint;
    private DateTimeOffset? _downSince;
    private string? _downReason;
    private bool _everConnected;
    private long _reconnects;

    /// <summary>Creates the health of a provider that has not connected yet.</summary>
    /// <param name="endpoint">The broker's address for reports, password masked.</param>
    /// <param name="time">The clock; the system clock by default.</param>
    public ProviderHealth(string endpoint, TimeProvider? time = null)
    {
        _endpoint = endpoint;
        _time = time ?? TimeProvider.System;
        _downSince = _time.GetUtcNow();
        _downReason = "not connected yet";
    }

    /// <summary>How often a lost connection was re-established.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>The clock the provider's reports are timed by.</summary>
    internal TimeProvider Time => _time;

    /// <summary>The connection is open, to <paramref name="endpoint"/> (password masked) when it changed, e.g. to another node.</summary>
    public void Connected(string? endpoint = null)
    {
        lock (_gate)
        {
            if (endpoint is not null)
            {
                _endpoint = endpoint;
            }

            if (_downSince is not null && _everConnected)
            {
                _reconnects++;
            }

            _everConnected = true;
            _downSince = null;
            _downReason = null;
        }
    }

    /// <summary>The connection was lost (or a connect failed) for <paramref name="reason"/>; the outage starts now unless it already had.</summary>
    public void Disconnected(string reason)
    {
        lock (_gate)
        {
            _downSince ??= _time.GetUtcNow();
            _downReason = reason;
        }
    }

    /// <summary>Registers the consumer of <paramref name="listener"/>; dispose the result when the consumer is stopped on purpose.</summary>
    public ConsumerHealth AddConsumer(ListenerDescriptor listener)
    {
        var consumer = new ConsumerHealth(this, listener);
        lock (_gate)
        {
            _consumers.Add(consumer);
        }

        return consumer;
    }

    /// <summary>The state now: the connection and every consumer.</summary>
    internal ProviderHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            var consumers = new ConsumerHealthSnapshot[_consumers.Count];
            for (var i = 0; i < consumers.Length; i++)
            {
                consumers[i] = _consumers[i].Snapshot();
            }

            return new ProviderHealthSnapshot(_endpoint, _downSince is null, _downSince, _downReason, _reconnects, consumers);
        }
    }

    internal void Remove(ConsumerHealth consumer)
    {
        lock (_gate)
        {
            _consumers.Remove(consumer);
        }
    }
}
