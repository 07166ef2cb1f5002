using System.Net.Security;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// How the client connects, resolved once by the provider from its options: the URI gives the scheme, credentials
/// and virtual host; each of <see cref="Nodes"/> (the URI first) gives host and port of one node of a cluster.
/// </summary>
internal sealed record StompClientOptions(Uri Uri)
{
    /// <summary>Every node, <see cref="Uri"/> first; a single node unless a cluster was configured.</summary>
    public IReadOnlyList<Uri> Nodes { get; init; } = [Uri];

    public EndpointOrder Order { get; init; } = EndpointOrder.Shuffled;

    /// <summary>The <c>host</c> header of CONNECT; null for the path of <see cref="Uri"/>, or <c>/</c>.</summary>
    public string? VirtualHost { get; init; }

    public SslClientAuthenticationOptions? Tls { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The heart-beat offered both ways; zero for none.</summary>
    public TimeSpan HeartBeat { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public StompLimits Limits { get; init; } = StompLimits.Default;
}
