using System.Net.Security;
using System.Net.Sockets;

namespace Eventing.Stomp.Client.Connections;

/// <summary>Opens the TCP socket, and TLS over it for <c>stomp+ssl://</c>, that one connection runs on.</summary>
internal static class StompTransport
{
    /// <summary>Connects to <paramref name="endpoint"/>; on failure nothing is left open.</summary>
    public static async Task<(Socket Socket, Stream Stream)> OpenAsync(StompEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(endpoint.HostName, endpoint.Port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (endpoint.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(TlsOptions(endpoint), cancellationToken).ConfigureAwait(false);
            }

            return (socket, stream);
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    private static SslClientAuthenticationOptions TlsOptions(StompEndpoint endpoint)
    {
        var configured = endpoint.Tls;
        return new SslClientAuthenticationOptions
        {
            TargetHost = configured?.TargetHost ?? endpoint.HostName,
            RemoteCertificateValidationCallback = configured?.RemoteCertificateValidationCallback,
            ClientCertificates = configured?.ClientCertificates,
            EnabledSslProtocols = configured?.EnabledSslProtocols ?? default,
            CertificateRevocationCheckMode = configured?.CertificateRevocationCheckMode ?? default,
            LocalCertificateSelectionCallback = configured?.LocalCertificateSelectionCallback,
        };
    }
}
