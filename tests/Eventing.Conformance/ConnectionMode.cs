namespace Eventing.Conformance;

/// <summary>Which connection settings a target gives its provider.</summary>
public enum ConnectionMode
{
    /// <summary>The running test broker with valid credentials.</summary>
    Normal,

    /// <summary>The running test broker with a password it refuses.</summary>
    WrongCredentials,

    /// <summary>An endpoint where nothing listens.</summary>
    Unreachable,

    /// <summary>
    /// Two endpoints tried in order (<see cref="EndpointOrder.InOrder"/>): first one where nothing listens, then the
    /// running test broker, as a client of a cluster sees it while one node is down.
    /// </summary>
    FirstEndpointUnreachable,
}
