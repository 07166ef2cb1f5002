using Eventing.Conformance;
using Eventing.Conformance.Cluster;

namespace Eventing.RabbitMq.Tests.Conformance;

/// <summary>The RabbitMQ provider on the cluster of eng/cluster.sh, quorum queues.</summary>
public sealed class RabbitMqClusterTarget : ClusterTarget
{
    public override string Name => "rabbitmq-cluster";

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var nodes = NodesFor(settings, Cluster.AmqpUri);
        builder.UseRabbitMq(rabbit =>
        {
            rabbit.Uri = nodes.Uri;
            foreach (var node in nodes.Endpoints)
            {
                rabbit.Endpoints.Add(node);
            }

            rabbit.EndpointOrder = nodes.Order;
            rabbit.QueueType = RabbitMqQueueType.Quorum;
            rabbit.RecoveryInterval = TimeSpan.FromSeconds(1);
            if (settings.SendTimeout is { } send)
            {
                rabbit.SendTimeout = send;
            }
        });
    }
}

// "ClusterFailover" in the name: CI runs these on their own, on the cluster.
public sealed class RabbitMqClusterFailoverConformance(RabbitMqClusterTarget target) : ClusterConformance<RabbitMqClusterTarget>(target), IClassFixture<RabbitMqClusterTarget>;
