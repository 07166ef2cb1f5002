namespace Eventing.Providers;

/// <summary>One listener's consumer on a provider.</summary>
public interface IProviderSubscription : IAsyncDisposable
{
    /// <summary>
    /// Stops new deliveries. Deliveries already handed to the core are still settled through their
    /// <see cref="Delivery"/>; deliveries received but not yet handed over go back to the broker.
    /// </summary>
    Task StopReceivingAsync(CancellationToken cancellationToken);
}
