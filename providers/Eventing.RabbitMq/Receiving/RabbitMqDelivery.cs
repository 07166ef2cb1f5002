using Eventing.Providers;
using RabbitMQ.Client;

namespace Eventing.RabbitMq.Receiving;

/// <summary>One delivery on a consumer channel, settled by its delivery tag.</summary>
internal sealed class RabbitMqDelivery : Delivery
{
    private readonly IChannel _channel;
    private readonly ulong _deliveryTag;

    public RabbitMqDelivery(IChannel channel, ulong deliveryTag, Envelope envelope)
        : base(envelope)
    {
        _channel = channel;
        _deliveryTag = deliveryTag;
    }

    /// <summary>A message that could not be read as an envelope; the core dead-letters it.</summary>
    public RabbitMqDelivery(IChannel channel, ulong deliveryTag, Envelope partial, Exception decodeFailure)
        : base(partial, decodeFailure)
    {
        _channel = channel;
        _deliveryTag = deliveryTag;
    }

    // After a reconnect the tags of the old channel are stale; RabbitMQ.Client's recovering channel ignores acks
    // for them, and the broker redelivers those messages anyway.
    public override ValueTask AckAsync(CancellationToken cancellationToken) =>
        _channel.BasicAckAsync(_deliveryTag, multiple: false, cancellationToken);

    public override ValueTask RequeueAsync(CancellationToken cancellationToken) =>
        _channel.BasicNackAsync(_deliveryTag, multiple: false, requeue: true, cancellationToken);
}
