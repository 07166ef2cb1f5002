using System.Globalization;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;
using Eventing.Stomp.Receiving;
using Microsoft.Extensions.Logging;

namespace Eventing.Stomp.Topology;

/// <summary>
/// Declares a listener's queues before it runs (<see cref="StompTopology.Provisioning"/>): on a connection of its
/// own, SUBSCRIBE and UNSUBSCRIBE each with a receipt, so every declaration was made when this returns, then
/// DISCONNECT, which gives back anything a broker delivered meanwhile. Subscribing again declares nothing new.
/// </summary>
internal static class StompProvisioner
{
    public static async Task ProvisionAsync(
        StompEndpoints endpoints, StompTopology topology, ListenerDescriptor listener, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = await StompSession.ConnectAsync(endpoints, null, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            var specs = topology.Provisioning(listener);
            for (var i = 0; i < specs.Count; i++)
            {
                var id = "provision-" + i.ToString(CultureInfo.InvariantCulture);
                await StompSubscription.SubscribeAsync(connection, id, specs[i], topology.PrefetchHeader, prefetch: 1, timeout, cancellationToken).ConfigureAwait(false);
                var unsubscribe = new FrameBuffer(64);
                StompFrameEncoder.WriteCommand(unsubscribe, StompCommands.Unsubscribe);
                StompFrameEncoder.WriteHeader(unsubscribe, StompHeaders.Id, id);
                await connection.SendWithReceiptAsync(unsubscribe, timeout, cancellationToken).ConfigureAwait(false);
            }

            await connection.DisconnectAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
