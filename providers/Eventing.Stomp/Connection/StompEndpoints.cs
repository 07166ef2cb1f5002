using Eventing.Providers;

namespace Eventing.Stomp;

/// <summary>The brokers (cluster nodes) a session may connect to: <see cref="StompProviderOptions.Uri"/> and <see cref="StompProviderOptions.Endpoints"/>.</summary>
internal sealed class StompEndpoints
{
    public StompEndpoints(StompProviderOptions options)
    {
        Nodes = new FailoverEndpoints<StompEndpoint>(
            EndpointList.Collect(options.Uri, options.Endpoints).Select(node => new StompEndpoint(options, node)), options.EndpointOrder);
        Display = string.Join(", ", Nodes.All.Select(node => node.Display));
    }

    public FailoverEndpoints<StompEndpoint> Nodes { get; }

    /// <summary>Every node, passwords masked, for logs and exceptions.</summary>
    public string Display { get; }

    public override string ToString() => Display;
}
