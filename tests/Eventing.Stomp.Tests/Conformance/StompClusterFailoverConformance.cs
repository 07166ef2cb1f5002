using Eventing.Conformance;
using Eventing.Conformance.Cluster;

namespace Eventing.Stomp.Tests.Conformance;

/// <summary>The STOMP provider on the RabbitMQ cluster of eng/cluster.sh, quorum queues.</summary>
public sealed class StompClusterTarget : ClusterTarget
{
    public override string Name => "stomp-cluster";

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var nodes = NodesFor(settings, Cluster.StompUri);
        builder.UseStomp(stomp =>
        {
            stomp.Uri = nodes.Uri;
            foreach (var node in nodes.Endpoints)
            {
                stomp.Endpoints.Add(node);
            }

            stomp.EndpointOrder = nodes.Order;
            stomp.QueueType = StompQueueType.Quorum;
            stomp.ReconnectMaxDelay = TimeSpan.FromSeconds(2);
            if (settings.SendTimeout is { } send)
            {
                stomp.SendTimeout = send;
            }
        });
    }
}

// "ClusterFailover" in the name: CI runs these on their own, on the cluster.
public sealed class StompClusterFailoverConformance(StompClusterTarget target) : ClusterConformance<StompClusterTarget>(target), IClassFixture<StompClusterTarget>;
