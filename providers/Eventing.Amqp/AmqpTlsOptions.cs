using System.Net.Security;
using System.Security.Authentication;

namespace Eventing.Amqp;

/// <summary>TLS settings of the AMQP connection. An <c>amqps://</c> URI turns TLS on by itself.</summary>
public sealed class AmqpTlsOptions
{
    /// <summary>Use TLS. Default: true for <c>amqps://</c> URIs, false otherwise.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The TLS versions to offer. Default: what the operating system considers secure.</summary>
    public SslProtocols Protocols { get; set; } = SslProtocols.None;

    /// <summary>A client certificate file (PKCS#12) to present to the broker.</summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The passphrase of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientCertificatePassphrase { get; set; }

    /// <summary>Check the revocation lists of the server certificate. Default true.</summary>
    public bool CheckCertificateRevocation { get; set; } = true;

    /// <summary>
    /// Certificate problems to accept. Default none. Only for test brokers with self-signed certificates:
    /// <c>RemoteCertificateNameMismatch | RemoteCertificateChainErrors</c> turns off server authentication.
    /// </summary>
    public SslPolicyErrors AcceptablePolicyErrors { get; set; } = SslPolicyErrors.None;
}
