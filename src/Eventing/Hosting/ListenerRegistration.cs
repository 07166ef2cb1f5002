namespace Eventing.Hosting;

/// <summary>One listener class as registered, before names and defaults are resolved.</summary>
internal sealed class ListenerRegistration(Type listenerType, Type eventType)
{
    public Type ListenerType { get; } = listenerType;

    public Type EventType { get; } = eventType;

    public string? Name { get; set; }

    public bool? PerProcess { get; set; }

    public int? Concurrency { get; set; }

    public RetryPolicy? Retry { get; set; }

    public Dictionary<string, object?> Properties { get; } = new(StringComparer.Ordinal);
}
