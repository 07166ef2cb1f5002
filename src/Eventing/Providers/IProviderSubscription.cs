using System.Threading.Channels;

namespace Eventing.Providers;

/// <summary>One listener's consumer on a provider: the deliveries it received, and the way to stop it.</summary>
public interface IProviderSubscription : IAsyncDisposable
{
    /// <summary>
    /// What the broker delivered, in order. The core's receive pump is the only reader; a provider that receives
    /// on callbacks writes into an unbounded channel (the broker's prefetch or credit bounds it) and never blocks
    /// its I/O thread. A delivery whose channel or link died before the core read it reports
    /// <see cref="Delivery.IsStale"/> and is skipped.
    /// </summary>
    ChannelReader<Delivery> Deliveries { get; }

    /// <summary>
    /// Stops new deliveries. Deliveries already read by the core are still settled through their
    /// <see cref="Delivery"/>; deliveries received but not yet read go back to the broker (the provider releases
    /// them, or the broker does when the consumer's channel closes). It must not wait for handlers in progress:
    /// the core drains them itself, bounded by its shutdown timeout.
    /// </summary>
    Task StopReceivingAsync(CancellationToken cancellationToken);
}
