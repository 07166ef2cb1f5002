namespace Eventing;

/// <summary>In which order a provider with several broker endpoints (the nodes of a cluster) tries them.</summary>
public enum EndpointOrder
{
    /// <summary>
    /// A fresh random order for every connection attempt (the default): the clients of a service spread over the
    /// nodes, and after a node failed they do not all move to the same next one.
    /// </summary>
    Shuffled = 0,

    /// <summary>
    /// The configured order, first endpoint first, for every attempt: the first is the preferred node and the
    /// others are fall-backs, tried in turn while it is away.
    /// </summary>
    InOrder = 1,
}
