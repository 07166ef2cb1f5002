using Eventing.Providers;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Consuming;

/// <summary>One delivery on a consumer channel, settled by its delivery tag.</summary>
internal sealed class RabbitMqDelivery(IChannel channel, ulong deliveryTag, Envelope envelope) : Delivery(envelope)
{
    // After a reconnect the tags of the old channel are stale; RabbitMQ.Client's recovering channel ignores acks
    // for them, and the broker redelivers those messages anyway.
    public override ValueTask AckAsync(CancellationToken cancellationToken) =>
        channel.BasicAckAsync(deliveryTag, multiple: false, cancellationToken);

    public override ValueTask RequeueAsync(CancellationToken cancellationToken) =>
        channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, cancellationToken);
}
