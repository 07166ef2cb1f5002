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

    public LocalSubscription(LocalBroker broker, LocalQueue queue, IDeliveryHandler handler)
    {
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
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (!token.IsCancellationRequested && reader.TryRead(out var envelope))
                {
                    await _handler.HandleAsync(new LocalDelivery(_queue, envelope), token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: whatever is still in the channel stays there for the next consumer.
        }
    }
}
