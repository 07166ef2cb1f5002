using Eventing.RabbitMq;

namespace Eventing.Amqp.RabbitMq;

/// <summary>How the AMQP 1.0 provider's queues are declared on RabbitMQ 3.x (over AMQP 0-9-1).</summary>
public sealed class RabbitMqProvisioningOptions
{
    /// <summary>
    /// The AMQP 0-9-1 endpoint used for declarations, e.g. <c>amqp://guest:guest@127.0.0.1:5672/</c>. Default:
    /// the host, port and credentials of <see cref="AmqpProviderOptions.Uri"/> with the default vhost, since
    /// RabbitMQ serves both protocols on one port.
    /// </summary>
    public Uri? Uri { get; set; }

    /// <summary>
    /// The other nodes of the cluster, when <see cref="Uri"/> is set (host and port are used; credentials and virtual
    /// host are those of <see cref="Uri"/>). Without <see cref="Uri"/> the nodes are those of
    /// <see cref="AmqpProviderOptions.Uri"/> and <see cref="AmqpProviderOptions.Endpoints"/>.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>
    /// The topic exchange events are sent to. Default <c>amq.topic</c>, shared with the RabbitMq and Stomp
    /// providers; another exchange is declared as a durable topic exchange and sent to as
    /// <c>/exchange/&lt;name&gt;/&lt;event&gt;</c>.
    /// </summary>
    public string ExchangeName { get; set; } = "amq.topic";

    /// <summary>Classic (default) or quorum queues for shared listeners and dead letters.</summary>
    public RabbitMqQueueType QueueType { get; set; } = RabbitMqQueueType.Classic;
}
