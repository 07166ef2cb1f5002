using Eventing.Listeners;
using Microsoft.Extensions.DependencyInjection;

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

    public int? Prefetch { get; set; }

    public Dictionary<string, object?> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The innermost step of this listener's receive chain. Listener classes may be registered by
    /// <see cref="Type"/> (assembly scanning), so the invoker is closed over the two types here, once per start.
    /// </summary>
    public EventInvoker CreateInvoker(ListenerDescriptor listener, IServiceScopeFactory scopes, IReadOnlyList<IEnvelopePipeline> pipelines, UnscopedListenerFactory? unscoped) =>
        (EventInvoker)Activator.CreateInstance(typeof(ListenerInvoker<,>).MakeGenericType(ListenerType, EventType), listener, scopes, pipelines, unscoped)!;
}
