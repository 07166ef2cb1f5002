using System.Diagnostics;
using Eventing.Providers;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Connections;

/// <summary>RabbitMQ.Client's settings for one connection, from the provider's options: recovery, limits, credentials, TLS and the nodes.</summary>
internal static class RabbitMqConnectionFactory
{
    public static ConnectionFactory Create(RabbitMqProviderOptions options)
    {
        var factory = new ConnectionFactory
        {
            Uri = options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = options.RecoveryInterval,
            RequestedHeartbeat = options.Heartbeat,
            // RabbitMQ.Client's default (64 MiB) is below RabbitMQ's default max_message_size (128 MiB): a message
            // in between would fail the connection, and be redelivered into the same failure, forever.
            MaxInboundMessageBodySize = (uint)options.MaxInboundMessageBytes,
            RequestedConnectionTimeout = options.ConnectTimeout,
            HandshakeContinuationTimeout = options.ConnectTimeout,
            ClientProvidedName = options.ClientProvidedName ?? "eventing:" + Process.GetCurrentProcess().ProcessName,
        };
        // Uri set the user and password it holds; the options override them.
        factory.UserName = options.UserName ?? factory.UserName;
        factory.Password = options.Password ?? factory.Password;
        var tls = options.Tls;
        if (tls.Enabled ?? options.Uri.Scheme == "amqps")
        {
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = tls.ServerName ?? options.Uri.Host,
                Version = tls.Protocols,
                CertPath = tls.ClientCertificatePath ?? string.Empty,
                CertPassphrase = tls.ClientCertificatePassphrase ?? string.Empty,
                AcceptablePolicyErrors = tls.AcceptablePolicyErrors,
            };
            if (tls.ClientCertificatePath is not null)
            {
                factory.AuthMechanisms = [new ExternalMechanismFactory(), new PlainMechanismFactory()];
            }
        }

        return factory;
    }

    /// <summary>The cluster's nodes in <see cref="RabbitMqProviderOptions.EndpointOrder"/>, asked anew for each connection and recovery.</summary>
    public static IEndpointResolver Nodes(ConnectionFactory factory, RabbitMqProviderOptions options) =>
        new FailoverEndpointResolver(new FailoverEndpoints<AmqpTcpEndpoint>(
            EndpointList.Collect(options.Uri, options.Endpoints).Select(uri => NodeEndpoint(factory, uri)), options.EndpointOrder));

    // Host and port of one cluster node; everything else (TLS, size limit) as the factory has it for Uri's node.
    private static AmqpTcpEndpoint NodeEndpoint(ConnectionFactory factory, Uri uri)
    {
        var ssl = factory.Ssl;
        if (ssl.Enabled && !string.Equals(uri.Host, factory.HostName, StringComparison.OrdinalIgnoreCase) && string.Equals(ssl.ServerName, factory.HostName, StringComparison.OrdinalIgnoreCase))
        {
            // Each node presents its own certificate: check it against that node's name, unless one was configured.
            ssl = new SslOption(uri.Host, ssl.CertPath, ssl.Enabled)
            {
                Version = ssl.Version,
                CertPassphrase = ssl.CertPassphrase,
                AcceptablePolicyErrors = ssl.AcceptablePolicyErrors,
                Certs = ssl.Certs,
                CertificateSelectionCallback = ssl.CertificateSelectionCallback,
                CertificateValidationCallback = ssl.CertificateValidationCallback,
                CheckCertificateRevocation = ssl.CheckCertificateRevocation,
            };
        }

        return new AmqpTcpEndpoint(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? -1 : uri.Port, ssl, factory.MaxInboundMessageBodySize);
    }

    // RabbitMQ.Client asks anew for every connection and every recovery attempt and tries the nodes in turn.
    private sealed class FailoverEndpointResolver(FailoverEndpoints<AmqpTcpEndpoint> endpoints) : IEndpointResolver
    {
        public IEnumerable<AmqpTcpEndpoint> All() => endpoints.NextRound();
    }
}
