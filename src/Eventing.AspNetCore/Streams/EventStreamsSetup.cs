namespace Eventing.AspNetCore.Streams;

/// <summary>The streams <see cref="EventStreamsBuilder"/> defined; one per service collection.</summary>
internal sealed class EventStreamsSetup
{
    public List<EventStreamDefinition> Streams { get; } = [];
}
