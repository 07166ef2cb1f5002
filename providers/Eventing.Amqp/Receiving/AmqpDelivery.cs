using Amqp;
using Eventing.Providers;

namespace Eventing.Amqp.Receiving;

/// <summary>
/// A received message and the link it came on. It is settled on that link only: after the link was lost the
/// broker has put the message back, so settling it anywhere else would settle another delivery.
/// </summary>
internal sealed class AmqpDelivery(ReceiverLink link, Message message, Envelope envelope, string queue, CreditWindow? window) : Delivery(envelope)
{
    /// <summary>The broker put it back when the link went: handling it would handle it twice.</summary>
    public override bool IsStale => link.IsClosed;

    /// <summary>Gives back a delivery the core never read (the listener stops).</summary>
    public void ReleaseUnread()
    {
        try
        {
            link.Release(message);
            window?.Settled();
        }
        catch (AmqpException)
        {
            // Lost meanwhile: the broker requeued it anyway.
        }
    }

    public override ValueTask AckAsync(CancellationToken cancellationToken)
    {
        try
        {
            link.Accept(message);
            window?.Settled();
            return default;
        }
        catch (AmqpException exception)
        {
            return ValueTask.FromException(Lost("accepted", exception));
        }
    }

    // `released`, never `modified`: on RabbitMQ 3.x a modified outcome ends the whole session.
    public override ValueTask RequeueAsync(CancellationToken cancellationToken)
    {
        try
        {
            link.Release(message);
            window?.Settled();
            return default;
        }
        catch (AmqpException exception)
        {
            return ValueTask.FromException(Lost("released", exception));
        }
    }

    private InvalidOperationException Lost(string outcome, AmqpException exception) => new(
        $"Message {Envelope.Id} of {queue} could not be {outcome}: its receiver link was lost ({exception.Error?.Condition}). " +
        "The broker delivers it again.",
        exception);
}
