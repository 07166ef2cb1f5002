using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Eventing.Providers;

namespace Eventing.Local;

/// <summary>
/// A consumer on a local queue. The queue is the inbox: the core's receive pump reads it through this reader,
/// which wraps each envelope in a delivery as it is read, and what is not read stays queued for the next consumer.
/// </summary>
internal sealed class LocalSubscription(LocalBroker broker, LocalQueue queue) : ChannelReader<Delivery>, IProviderSubscription
{
    private int _released;

    public ChannelReader<Delivery> Deliveries => this;

    public override bool CanCount => true;

    public override int Count => queue.Depth;

    public override bool TryRead([MaybeNullWhen(false)] out Delivery item)
    {
        if (queue.Reader.TryRead(out var envelope))
        {
            item = new LocalDelivery(queue, envelope);
            return true;
        }

        item = null;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => queue.Reader.WaitToReadAsync(cancellationToken);

    public Task StopReceivingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            broker.Release(queue);
        }

        return default;
    }
}
