using System.Text;

namespace Eventing.RabbitMq.Hosting;

/// <summary>Formats the broker address for logs and errors, with the password masked.</summary>
internal static class RabbitMqEndpoint
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

        builder.Append(uri.Host);
        if (!uri.IsDefaultPort)
        {
            builder.Append(':').Append(uri.Port);
        }
        else
        {
            builder.Append(':').Append(uri.Scheme == "amqps" ? 5671 : 5672);
        }

        builder.Append(string.IsNullOrEmpty(uri.AbsolutePath) ? "/" : uri.AbsolutePath);
        return builder.ToString();
    }

    private static string? UserFrom(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? uri.UserInfo : uri.UserInfo[..colon];
    }
}
