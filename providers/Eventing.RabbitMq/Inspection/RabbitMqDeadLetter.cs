using Eventing.Providers;

namespace Eventing.RabbitMq.Inspection;

/// <summary>A dead letter taken with <c>basic.get</c>, held unacknowledged on the browser's channel by its delivery tag.</summary>
internal sealed class RabbitMqDeadLetter(Envelope envelope, ulong deliveryTag) : DeadLetter(envelope)
{
    public ulong DeliveryTag { get; } = deliveryTag;
}
