namespace Eventing.Conformance.Cluster;

/// <summary>A provider's endpoint options on the cluster: its URI, its further endpoints and their order.</summary>
public sealed record ClusterNodes(Uri Uri, IReadOnlyList<Uri> Endpoints, EndpointOrder Order);
