namespace Eventing;

/// <summary>The rest of the handling of a deserialized event: the inner pipelines' event stage and the listener itself.</summary>
public delegate ValueTask ListenerHandler(object @event, EventContext context, CancellationToken cancellationToken);
