namespace Eventing.Providers;

/// <summary>One listener's consumer on a provider.</summary>
public interface IProviderSubscription : IAsyncDisposable
{
    /// <summary>
    /// Stops new deliveries. Deliveries already handed to the core are still settled through their
    /// <see cref="Delivery"/>; deliveries received but not yet handed over go back to the broker.
    /// It must not wait for a <see cref="IDeliveryHandler.HandleAsync"/> call in progress: the core drains
    /// in-flight handlers itself, bounded by its shutdown timeout.
    /// </summary>
    Task StopReceivingAsync(CancellationToken cancellationToken);
}
