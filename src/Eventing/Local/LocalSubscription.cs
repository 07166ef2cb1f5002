using Eventing.Providers;

namespace Eventing.Local;

/// <summary>A consumer loop on a local queue.</summary>
internal sealed class LocalSubscription : IProviderSubscription
{
    private readonly LocalBroker _broker;
    private readonly LocalQueue _queue;
    private readonly IDeliveryHandler _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _handlesInline;

    public LocalSubscription(LocalBroker broker, LocalQueue queue, IDeliveryHandler handler, bool handlesInline)
    {
        _handlesInline = handlesInline;
        _broker = broker;
        _queue = queue;
        _handler = handler;
        _loop = Task.Run(ReceiveAsync);
    }

    // Does not wait for the loop: with a concurrency of 1 the loop is inside the in-flight handler, and the core
    // only cancels that handler (after its shutdown timeout) once this returned. Dispose waits for the loop.
    public Task StopReceivingAsync(CancellationToken cancellationToken) => _stop.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);

        // After a normal drain the loop ends at once. If the core gave up on a handler that ignores cancellation,
        // the loop is still inside it and ends whenever that handler does: do not wait for it (and keep the token
        // source alive for it).
        await Task.WhenAny(_loop, Task.Delay(LoopExitWait)).ConfigureAwait(false);
        _broker.Release(_queue);
    }

    private static readonly TimeSpan LoopExitWait = TimeSpan.FromSeconds(1);

    private async Task ReceiveAsync()
    {
        var reader = _queue.Reader;
        var token = _stop.Token;
        LocalDelivery? reusable = null;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (!token.IsCancellationRequested && reader.TryRead(out var envelope))
                {
                    // With a concurrency of 1 the core handles and settles a delivery before HandleAsync returns, so
                    // one delivery object serves them all (measured: 32 B less per event). With more, each
                    // delivery lives on after HandleAsync returned and needs its own object.
                    LocalDelivery delivery;
                    if (_handlesInline && reusable is not null)
                    {
                        reusable.Reuse(envelope);
                        delivery = reusable;
                    }
                    else
                    {
                        delivery = new LocalDelivery(_queue, envelope);
                    }

                    await _handler.HandleAsync(delivery, token).ConfigureAwait(false);
                    reusable = delivery;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: whatever is still in the channel stays there for the next consumer.
        }
    }
}
