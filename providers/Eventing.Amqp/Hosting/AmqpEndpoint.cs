using System.Text;

namespace Eventing.Amqp.Hosting;

/// <summary>Formats the broker address for logs and errors, with the password masked.</summary>
internal static class AmqpEndpoint
{
    public static string Describe(Uri uri, string? userName)
    {
        var builder = new StringBuilder(64);
        builder.Append(uri.Scheme).Append("://");
        var user = userName ?? UserFrom(uri);
        if (!string.IsNullOrEmpty(user))
        {
            // The user name helps to diagnose refused credentials; the password is never shown.
            builder.Append(Uri.UnescapeDataString(user)).Append(":***@");
        }

        builder.Append(uri.Host).Append(':').Append(Port(uri));
        return builder.ToString();
    }

    public static int Port(Uri uri) => uri.IsDefaultPort || uri.Port < 0 ? (UsesTls(uri) ? 5671 : 5672) : uri.Port;

    public static bool UsesTls(Uri uri) => string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase);

    public static string? UserFrom(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
    }

    public static string? PasswordFrom(Uri uri)
    {
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
    }
}
