using System.Net.Security;
using Eventing.Stomp.Protocol;

namespace Eventing.Stomp;

/// <summary>Where and how to connect, resolved once from <see cref="StompProviderOptions"/>.</summary>
internal sealed class StompEndpoint
{
    public StompEndpoint(StompProviderOptions options)
    {
        var uri = options.Uri;
        HostName = uri.Host;
        UseTls = uri.Scheme is "stomp+ssl" or "stomp+tls";
        Port = uri.IsDefaultPort || uri.Port <= 0 ? 61613 : uri.Port;
        var userInfo = uri.UserInfo;
        if (userInfo.Length > 0)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            Login = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            Passcode = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        }

        var path = uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : null;
        VirtualHost = options.Host ?? (string.IsNullOrEmpty(path) ? "/" : path);
        Display = Mask(uri);
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

    /// <summary>Formats a URI for humans without its password.</summary>
    public static string Mask(Uri? uri)
    {
        if (uri is null)
        {
            return "(null)";
        }

        if (!uri.IsAbsoluteUri || uri.UserInfo.Length == 0)
        {
            return uri.ToString();
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? uri.UserInfo : uri.UserInfo[..colon] + ":***";
        return new UriBuilder(uri) { UserName = null, Password = null }.Uri.ToString().Replace("://", "://" + user + "@", StringComparison.Ordinal);
    }
}
