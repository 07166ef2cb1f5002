namespace Eventing.Providers;

/// <summary>
/// Optional, beside <see cref="IProvider"/>: what tools such as the <c>eventing</c> CLI need to look at a broker
/// the way the provider uses it — the broker-level names of an event and a listener, and the listener's
/// dead-letter queue. Applications do not need it.
/// </summary>
public interface IProviderInspector
{
    /// <summary>
    /// The broker-level names the provider uses for the event and the queues of <paramref name="listener"/>.
    /// Works before <see cref="IProvider.StartAsync"/> where the names do not depend on the broker; a provider
    /// that detects its broker's kind at start describes every kind it could use until then.
    /// </summary>
    IReadOnlyList<TopologyEntry> DescribeTopology(ListenerDescriptor listener);

    /// <summary>
    /// Opens the dead-letter queue of <paramref name="listener"/> for reading. The provider must have started.
    /// </summary>
    /// <exception cref="BrokerUnreachableException">The broker cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The broker refused access to the queue; the message says why.</exception>
    Task<IDeadLetterBrowser> OpenDeadLettersAsync(ListenerDescriptor listener, CancellationToken cancellationToken);
}
