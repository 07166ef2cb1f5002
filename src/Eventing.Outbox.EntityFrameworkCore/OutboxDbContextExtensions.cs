using Eventing.Outbox.EntityFrameworkCore;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds events to a DbContext so they are saved with its changes.</summary>
public static class OutboxDbContextExtensions
{
    /// <summary>
    /// Adds <paramref name="event"/> to be written to the outbox by the next <c>SaveChangesAsync</c>, in its transaction,
    /// and sent once that transaction commits. The send pipelines run at save time, in the same request.
    /// </summary>
    /// <example>
    /// <code>
    /// db.Orders.Add(order);
    /// db.AddEvent(new OrderPlaced(order.Id, order.Total));
    /// await db.SaveChangesAsync(cancellationToken);
    /// </code>
    /// </example>
    public static void AddEvent<TEvent>(this DbContext context, TEvent @event, IEnumerable<KeyValuePair<string, string>>? headers = null)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(@event);
        OutboxContextState.For(context).Queued.Add((@event, headers));
    }
}
