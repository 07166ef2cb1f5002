using Eventing.Conformance;
using Eventing.Conformance.Cluster;
using Eventing.RabbitMq;

namespace Eventing.Amqp.Tests.Conformance;

/// <summary>The AMQP 1.0 provider on the RabbitMQ cluster of eng/cluster.sh, quorum queues declared over 0-9-1.</summary>
public sealed class AmqpClusterTarget : ClusterTarget
{
    public override string Name => "amqp-cluster";

    public override void UseProvider(EventingBuilder builder, ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var nodes = NodesFor(settings, Cluster.Amqp10Uri);
        builder.UseAmqp(amqp =>
        {
            amqp.Uri = nodes.Uri;
            foreach (var node in nodes.Endpoints)
            {
                amqp.Endpoints.Add(node);
            }

            amqp.EndpointOrder = nodes.Order;
            if (settings.SendTimeout is { } send)
            {
                amqp.SendTimeout = send;
            }

            // The queues are declared through the provider's own nodes (0-9-1 on the same ports).
            amqp.UseRabbitMqProvisioning(rabbit => rabbit.QueueType = RabbitMqQueueType.Quorum);
        });
    }
}

// "ClusterFailover" in the name: CI runs these on their own, on the cluster.
public sealed class AmqpClusterFailoverConformance(AmqpClusterTarget target) : ClusterConformance<AmqpClusterTarget>(target), IClassFixture<AmqpClusterTarget>;
