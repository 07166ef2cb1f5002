using System.Globalization;
using Eventing.Idempotency.Pipelines;

namespace Eventing;

/// <summary>Marks a listener idempotent or sequential per key at registration.</summary>
public static class IdempotencyListenerBuilderExtensions
{
    /// <summary>
    /// Runs the listener once per message id: a duplicate within <paramref name="window"/> (default
    /// <see cref="Idempotency.IdempotencyOptions.DefaultWindow"/>) is acknowledged and skipped. Wins over
    /// <see cref="Idempotency.IdempotentAttribute"/>.
    /// </summary>
    public static ListenerBuilder Idempotent(this ListenerBuilder listener, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (window is { } value && value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), value, $"The idempotency window of {listener.ListenerType.Name} must be positive, e.g. TimeSpan.FromDays(1).");
        }

        listener.Properties[IdempotencySettings.WindowKey] = window ?? TimeSpan.Zero;
        return listener;
    }

    /// <summary>
    /// Runs events with the same key one at a time, across the listener's concurrency and, with the Redis store,
    /// across processes; events with different keys still run in parallel.
    /// </summary>
    /// <example><code>listener.Sequential&lt;OrderPlaced&gt;(e =&gt; e.OrderId)</code></example>
    public static ListenerBuilder Sequential<TEvent>(this ListenerBuilder listener, Func<TEvent, object?> key)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(key);
        var eventType = IdempotencySettings.EventTypeOf(listener.ListenerType);
        if (eventType is null || !typeof(TEvent).IsAssignableFrom(eventType))
        {
            throw new EventRegistrationException(
                $"{listener.ListenerType.Name}.Sequential<{typeof(TEvent).Name}>(...) does not match the listener's event {eventType?.Name ?? "(none)"}. Use Sequential<{eventType?.Name ?? "TEvent"}>(e => e.Key).");
        }

        listener.Properties[IdempotencySettings.KeyKey] = new Func<object, string>(@event =>
            Convert.ToString(key((TEvent)@event), CultureInfo.InvariantCulture) ?? string.Empty);
        return listener;
    }
}
