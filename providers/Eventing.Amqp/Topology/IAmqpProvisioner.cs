namespace Eventing.Amqp.Topology;

/// <summary>
/// Declares, outside AMQP 1.0, what a topology needs before a listener can attach: its queue, the queue's
/// binding to the events, and its dead-letter queue. Kept apart from the provider, which only moves messages.
/// </summary>
/// <remarks>
/// Called before every attach of a listener, also when the provider re-attaches after a lost connection (the
/// broker may have restarted and lost non-durable queues), so it must be idempotent.
/// </remarks>
public interface IAmqpProvisioner : IAsyncDisposable
{
    /// <summary>Declares the queue, binding and dead-letter queue of <paramref name="listener"/>.</summary>
    /// <exception cref="BrokerUnreachableException">The broker cannot be reached.</exception>
    Task ProvisionListenerAsync(ListenerDescriptor listener, CancellationToken cancellationToken);
}
