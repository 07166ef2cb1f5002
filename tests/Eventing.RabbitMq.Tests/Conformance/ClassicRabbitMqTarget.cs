namespace Eventing.RabbitMq.Tests.Conformance;

/// <summary>RabbitMQ with classic queues.</summary>
public sealed class ClassicRabbitMqTarget : RabbitMqTarget
{
    public override RabbitMqQueueType QueueType => RabbitMqQueueType.Classic;
}
