namespace Eventing.Conformance.Cluster;

/// <summary>
/// What the three cluster targets share: the cluster brought up once, raw events published through 0-9-1 to a node
/// that is up. A provider's dead letters are not read on the cluster (its suite sends none).
/// </summary>
public abstract class ClusterTarget : ConformanceTarget, IClusterTarget
{
    /// <inheritdoc />
    public RabbitMqCluster Cluster { get; } = new();

    /// <inheritdoc />
    public override Task InitializeAsync() => Cluster.EnsureUpAsync();

    /// <summary>
    /// The provider's endpoint options for <paramref name="settings"/>: the first node as its URI, the others as further
    /// endpoints, in the order given (shuffled when the settings name no nodes), each addressed by <paramref name="uriOf"/>.
    /// </summary>
    protected static ClusterNodes NodesFor(ProviderSettings settings, Func<int, Uri> uriOf)
    {
        ArgumentNullException.ThrowIfNull(uriOf);
        var nodes = RabbitMqCluster.NodesFor(settings);
        return new ClusterNodes(uriOf(nodes[0]), [.. nodes.Skip(1).Select(uriOf)], settings.Nodes is null ? EndpointOrder.Shuffled : EndpointOrder.InOrder);
    }

    /// <inheritdoc />
    public override Task PublishRawAsync(string eventName, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> attributes, bool durable, CancellationToken cancellationToken) =>
        Cluster.PublishStructuredAsync(eventName, body, attributes, [1, 2, 3], cancellationToken);

    /// <inheritdoc />
    public override Task<IReadOnlyList<Envelope>> ReadDeadLettersAsync(string queue, int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The cluster suite reads no dead letters; the single-broker suites cover them.");
}
