namespace Eventing;

/// <summary>The rest of the handling of a deserialized event: the inner listener filters and the listener itself.</summary>
public delegate ValueTask ListenerHandler(object @event, EventContext context, CancellationToken cancellationToken);
