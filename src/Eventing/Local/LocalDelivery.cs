using Eventing.Providers;

namespace Eventing.Local;

internal sealed class LocalDelivery(LocalQueue queue, Envelope envelope) : Delivery(envelope)
{
    // The envelope left the channel when it was read; acknowledging only means not putting it back.
    public override ValueTask AckAsync(CancellationToken cancellationToken) => default;

    public override ValueTask RequeueAsync(CancellationToken cancellationToken) => queue.RequeueAsync(Envelope);
}
