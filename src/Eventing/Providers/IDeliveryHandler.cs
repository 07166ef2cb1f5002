namespace Eventing.Providers;

/// <summary>The core's side of a subscription: it decides the outcome of each delivery and settles it.</summary>
public interface IDeliveryHandler
{
    /// <summary>
    /// Takes one delivery. The returned task completes when the core is ready for the next one (which, with a
    /// concurrency of 1, is after this one was settled). It never throws for a failing listener or bad input.
    /// </summary>
    ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken);
}
