namespace Eventing.RabbitMq.Tests.Conformance;

/// <summary>RabbitMQ with quorum queues (per-process queues stay classic: quorum queues cannot be exclusive).</summary>
public sealed class QuorumRabbitMqTarget : RabbitMqTarget
{
    public override RabbitMqQueueType QueueType => RabbitMqQueueType.Quorum;
}
