namespace Eventing;

/// <summary>
/// Wraps the call of one listener, inside the delivery's DI scope and after deserialization, so it sees the event
/// and <see cref="EventContext.Services"/> like the handler does (idempotency, per-key locks, a transaction the
/// handler joins). Not calling the next handler skips the handler; the delivery is then acknowledged.
/// Filters come from <see cref="IListenerFilterFactory"/>; unlike <see cref="IEnvelopePipeline"/> they are chosen
/// per listener.
/// </summary>
public interface IListenerFilter
{
    /// <summary>Handles one event; call <paramref name="next"/> to go on to the listener.</summary>
    ValueTask HandleAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken);
}
