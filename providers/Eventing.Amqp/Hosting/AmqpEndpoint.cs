using Eventing.Providers;

namespace Eventing.Amqp.Hosting;

/// <summary>The AMQP 1.0 view of a broker URI: default ports, TLS, and the masked form for logs and errors.</summary>
internal static class AmqpEndpoint
{
    public static string Describe(Uri uri, string? userName) =>
        BrokerEndpoint.Describe(uri, userName, Port(uri), includePath: false);

    public static int Port(Uri uri) => uri.IsDefaultPort || uri.Port < 0 ? (UsesTls(uri) ? 5671 : 5672) : uri.Port;

    public static bool UsesTls(Uri uri) => string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase);

    public static string? UserFrom(Uri uri) => BrokerEndpoint.UserFrom(uri);

    public static string? PasswordFrom(Uri uri) => BrokerEndpoint.PasswordFrom(uri);
}
