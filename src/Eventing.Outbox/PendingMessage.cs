using Eventing.Outbox.Storage;

namespace Eventing.Outbox;

/// <summary>A recorded event with its row and, when it is still in memory, the envelope it came from.</summary>
internal sealed class PendingMessage(OutboxRecord record, Envelope envelope, EventDescriptor @event)
{
    public OutboxRecord Record { get; } = record;

    public Envelope Envelope { get; } = envelope;

    public EventDescriptor Event { get; } = @event;

    public string Key => Record.OrderingKey ?? Record.EventName;
}
