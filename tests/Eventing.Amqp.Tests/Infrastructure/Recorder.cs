using System.Collections.Concurrent;
using Eventing.Providers;

namespace Eventing.Amqp.Tests.Infrastructure;

/// <summary>A core stand-in for provider-level tests: records each delivery, acknowledges it, signals waiters.</summary>
internal sealed class Recorder : IDeliveryHandler
{
    private readonly ConcurrentQueue<Envelope> _envelopes = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    public IReadOnlyList<Envelope> Envelopes => [.. _envelopes];

    public async ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        await delivery.AckAsync(cancellationToken);
        _envelopes.Enqueue(delivery.Envelope);
        lock (_gate)
        {
            _waiters.RemoveAll(waiter =>
            {
                if (_envelopes.Count < waiter.Count)
                {
                    return false;
                }

                waiter.Signal.TrySetResult();
                return true;
            });
        }
    }

    public async Task<IReadOnlyList<Envelope>> WaitForAsync(int count, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_envelopes.Count >= count)
            {
                return Envelopes;
            }

            _waiters.Add((count, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_envelopes.Count} of {count} deliveries arrived within {timeout}.");
        }

        return Envelopes;
    }
}
