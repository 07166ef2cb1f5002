using Amqp;
using Eventing.Providers;

namespace Eventing.Amqp.Inspection;

/// <summary>A dead letter taken on a receiver link, settled by accepting its message.</summary>
internal sealed class AmqpDeadLetter(Envelope envelope, Message message) : DeadLetter(envelope)
{
    public Message Message { get; } = message;
}
