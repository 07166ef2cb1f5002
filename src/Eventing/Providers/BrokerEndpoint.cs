using System.Text;

namespace Eventing.Providers;

/// <summary>Formats a broker URI for logs and errors the same way in every provider: user shown, password masked.</summary>
internal static class BrokerEndpoint
{
    /// <summary>
    /// <c>scheme://user:***@host:port[/path]</c>; <paramref name="userName"/> wins over the URI's user, and
    /// <paramref name="defaultPort"/> is shown when the URI names none.
    /// </summary>
    public static string Describe(Uri uri, string? userName, int defaultPort, bool includePath)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.Host) || !uri.OriginalString.Contains("://", StringComparison.Ordinal))
        {
            // "guest:secret@host:5672/" parses as scheme "guest" with the password in the path: show none of it.
            return NotShown;
        }

        var builder = new StringBuilder(64);
        builder.Append(uri.Scheme).Append("://");
        var user = userName ?? UserFrom(uri);
        if (!string.IsNullOrEmpty(user))
        {
            // The user name helps to diagnose refused credentials; the password is never shown.
            builder.Append(user).Append(":***@");
        }

        builder.Append(uri.Host).Append(':').Append(uri.IsDefaultPort || uri.Port < 0 ? defaultPort : uri.Port);
        if (includePath)
        {
            builder.Append(string.IsNullOrEmpty(uri.AbsolutePath) ? "/" : uri.AbsolutePath);
        }

        return builder.ToString();
    }

    /// <summary>What <see cref="Describe"/> shows for a URI that is not <c>scheme://host…</c>: it could hold a password anywhere.</summary>
    public const string NotShown = "(a URI without scheme://host, not shown)";

    /// <summary>The unescaped user of the URI, or null.</summary>
    public static string? UserFrom(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
    }

    /// <summary>The unescaped password of the URI, or null.</summary>
    public static string? PasswordFrom(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
    }
}
