namespace Eventing;

/// <summary>
/// Marks a record as an event that Eventing can send and listen to.
/// </summary>
/// <example>
/// <code>
/// [Event("orders.placed", Durable = true)]
/// public sealed record OrderPlaced(Guid OrderId, decimal Total);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventAttribute : Attribute
{
    /// <summary>Marks the type as an event named after the type.</summary>
    public EventAttribute()
    {
    }

    /// <summary>Marks the type as an event with the given name.</summary>
    /// <param name="name">The event name: the CloudEvents <c>type</c> and the broker address.</param>
    public EventAttribute(string name) => Name = name;

    /// <summary>The event name; <see langword="null"/> means the type name.</summary>
    public string? Name { get; }

    /// <summary>
    /// Durable events are persistent, go to durable queues, and a send completes only once the broker confirmed it.
    /// </summary>
    public bool Durable { get; set; }
}
