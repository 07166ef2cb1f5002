using Eventing.Providers;

namespace Eventing.RabbitMq.Hosting;

/// <summary>Formats the broker address for logs and errors, with the password masked.</summary>
internal static class RabbitMqEndpoint
{
    public static string Describe(Uri uri, string? userName) =>
        BrokerEndpoint.Describe(uri, userName, string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase) ? 5671 : 5672, includePath: true);
}
