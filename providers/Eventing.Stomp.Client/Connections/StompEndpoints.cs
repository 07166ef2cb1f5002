using Eventing.Providers;

namespace Eventing.Stomp.Client.Connections;

/// <summary>The brokers (cluster nodes) a session may connect to, and the order it tries them in.</summary>
internal sealed class StompEndpoints
{
    public StompEndpoints(StompClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Nodes = new FailoverEndpoints<StompEndpoint>(options.Nodes.Select(node => new StompEndpoint(options, node)), options.Order);
        Display = string.Join(", ", Nodes.All.Select(node => node.Display));
    }

    public StompClientOptions Options { get; }

    public FailoverEndpoints<StompEndpoint> Nodes { get; }

    /// <summary>Every node, passwords masked, for logs and exceptions.</summary>
    public string Display { get; }

    public override string ToString() => Display;
}
