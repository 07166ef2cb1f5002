namespace Eventing.Conformance.Cluster;

/// <summary>
/// A target whose provider runs on the RabbitMQ cluster: it honours <see cref="ProviderSettings.Nodes"/> (first node
/// as the URI, the rest as further endpoints, tried in order), uses quorum queues for shared listeners, and
/// publishes raw events through a node that is up.
/// </summary>
public interface IClusterTarget
{
    /// <summary>The cluster.</summary>
    RabbitMqCluster Cluster { get; }
}
