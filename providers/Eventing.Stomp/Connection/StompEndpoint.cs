using System.Net.Security;
using Eventing.Providers;
using Eventing.Stomp.Protocol;

namespace Eventing.Stomp;

/// <summary>
/// Where and how to connect to one broker (one node of a cluster), resolved once from
/// <see cref="StompProviderOptions"/>: host and port of the node, everything else from <see cref="StompProviderOptions.Uri"/>.
/// </summary>
internal sealed class StompEndpoint
{
    public const int DefaultPort = 61613;

    /// <summary>The node of <see cref="StompProviderOptions.Uri"/>.</summary>
    public StompEndpoint(StompProviderOptions options)
        : this(options, options.Uri)
    {
    }

    /// <summary>The node <paramref name="node"/> (one of <see cref="StompProviderOptions.Endpoints"/>).</summary>
    public StompEndpoint(StompProviderOptions options, Uri node)
    {
        var uri = options.Uri;
        HostName = node.Host;
        UseTls = uri.Scheme is "stomp+ssl" or "stomp+tls";
        Port = node.IsDefaultPort || node.Port <= 0 ? DefaultPort : node.Port;
        Login = BrokerEndpoint.UserFrom(uri);
        Passcode = BrokerEndpoint.PasswordFrom(uri);
        var path = uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : null;
        VirtualHost = options.Host ?? (string.IsNullOrEmpty(path) ? "/" : path);
        Display = Describe(EndpointList.OnNode(uri, node));
        Tls = options.Tls;
        ConnectTimeout = options.ConnectTimeout;
        HeartBeat = options.HeartBeat;
        Limits = new StompLimits(options.MaxFrameBytes, options.MaxHeaderCount, options.MaxHeaderLineBytes);
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

    public override string ToString() => Display;

    /// <summary>
    /// Formats a URI for humans without its password. A URI that is not an absolute <c>scheme://host</c> URI is not
    /// shown at all: without <c>scheme://</c>, <c>user:password@host</c> parses as scheme <c>user</c> and the
    /// password would be printed as if it were the path.
    /// </summary>
    public static string Describe(Uri? uri) =>
        uri is null ? "(null)"
        : !uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.Host) || !uri.OriginalString.Contains("://", StringComparison.Ordinal)
            ? "(not shown: not a scheme://host URI, and it may hold a password)"
            : BrokerEndpoint.Describe(uri, null, DefaultPort, includePath: true);
}
