namespace Eventing.Conformance;

/// <summary>
/// A target that connects over a network with credentials, so <see cref="ConnectionMode.WrongCredentials"/> and
/// <see cref="ConnectionMode.Unreachable"/> mean something.
/// </summary>
public interface IAuthenticatingBroker
{
    /// <summary>The endpoint text the error for <paramref name="mode"/> must name (host and port).</summary>
    string EndpointFor(ConnectionMode mode);
}
