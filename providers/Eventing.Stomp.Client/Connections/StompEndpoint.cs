using System.Net.Security;
using Eventing.Providers;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// Where and how to connect to one broker (one node of a cluster): host and port of the node, everything else from
/// <see cref="StompClientOptions.Uri"/>.
/// </summary>
internal sealed class StompEndpoint
{
    public const int DefaultPort = 61613;

    /// <summary>The node of <see cref="StompClientOptions.Uri"/>.</summary>
    public StompEndpoint(StompClientOptions options)
        : this(options, options.Uri)
    {
    }

    /// <summary>The node <paramref name="node"/> (one of <see cref="StompClientOptions.Nodes"/>).</summary>
    public StompEndpoint(StompClientOptions options, Uri node)
    {
        var uri = options.Uri;
        HostName = node.Host;
        UseTls = uri.Scheme is "stomp+ssl" or "stomp+tls";
        Port = node.IsDefaultPort || node.Port <= 0 ? DefaultPort : node.Port;
        Login = BrokerEndpoint.UserFrom(uri);
        Passcode = BrokerEndpoint.PasswordFrom(uri);
        VirtualHost = options.VirtualHost ?? VirtualHostOf(uri);
        Display = BrokerEndpoint.Describe(EndpointList.OnNode(uri, node), null, DefaultPort, includePath: true);
        Tls = options.Tls;
        ConnectTimeout = options.ConnectTimeout;
        HeartBeat = options.HeartBeat;
        Limits = options.Limits;
    }

    public string HostName { get; }

    public int Port { get; }

    public bool UseTls { get; }

    public string? Login { get; }

    public string? Passcode { get; }

    public string VirtualHost { get; }

    /// <summary>The URI with the password masked, for logs and exceptions.</summary>
    public string Display { get; }

    public SslClientAuthenticationOptions? Tls { get; }

    public TimeSpan ConnectTimeout { get; }

    public TimeSpan HeartBeat { get; }

    public StompLimits Limits { get; }

    /// <summary>The virtual host a URI names: its path, percent-decoded, or <c>/</c>.</summary>
    public static string VirtualHostOf(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var path = uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : null;
        return string.IsNullOrEmpty(path) ? "/" : path;
    }

    public override string ToString() => Display;
}
