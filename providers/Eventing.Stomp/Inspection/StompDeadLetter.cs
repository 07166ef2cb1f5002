using Eventing.Providers;

namespace Eventing.Stomp.Inspection;

/// <summary>A dead letter taken on a <c>client-individual</c> subscription, settled by its ack id.</summary>
internal sealed class StompDeadLetter(Envelope envelope, string ackId) : DeadLetter(envelope)
{
    public string AckId { get; } = ackId;
}
