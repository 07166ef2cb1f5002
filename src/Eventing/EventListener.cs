namespace Eventing;

/// <summary>
/// Base class of a listener for events of type <typeparamref name="TEvent"/>. One instance is resolved from a
/// fresh DI scope per delivery.
/// </summary>
/// <typeparam name="TEvent">The event record.</typeparam>
/// <example>
/// <code>
/// [EventListener(Name = "billing")]
/// public sealed class Billing(IInvoices invoices) : EventListener&lt;OrderPlaced&gt;
/// {
///     public override async ValueTask OnAsync(OrderPlaced e, EventContext context, CancellationToken ct)
///         =&gt; await invoices.CreateAsync(e.OrderId, e.Total, ct);
/// }
/// </code>
/// </example>
public abstract class EventListener<TEvent>
{
    /// <summary>
    /// Handles one event. Return normally to acknowledge it; throw to have it retried and, after the last
    /// attempt, dead-lettered. The default implementation calls <see cref="On"/>.
    /// </summary>
    public virtual ValueTask OnAsync(TEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        On(@event, context);
        return default;
    }

    /// <summary>Synchronous alternative to <see cref="OnAsync"/> for handlers that never wait.</summary>
    protected virtual void On(TEvent @event, EventContext context) =>
        throw new NotImplementedException(
            $"{GetType().Name} must override OnAsync or On to handle {typeof(TEvent).Name}.");
}
