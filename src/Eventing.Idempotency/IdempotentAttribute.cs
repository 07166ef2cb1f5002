namespace Eventing.Idempotency;

/// <summary>
/// Runs the listener once per message id: a duplicate of a message it already handled is acknowledged and skipped.
/// Registration (<c>listener.Idempotent(window)</c>) wins over the attribute. Needs a store:
/// <c>events.AddIdempotency(i =&gt; i.UseRedis(...))</c>, <c>UseSqlite(...)</c> or <c>UsePostgreSql(...)</c>.
/// </summary>
/// <example>
/// <code>
/// [Idempotent(windowSeconds: 86400)]
/// public sealed class Billing : EventListener&lt;OrderPlaced&gt; { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class IdempotentAttribute : Attribute
{
    /// <summary>Marks the listener idempotent with <see cref="IdempotencyOptions.DefaultWindow"/>.</summary>
    public IdempotentAttribute()
    {
    }

    /// <summary>Marks the listener idempotent, remembering processed messages for <paramref name="windowSeconds"/>.</summary>
    public IdempotentAttribute(int windowSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSeconds, 1);
        WindowSeconds = windowSeconds;
    }

    /// <summary>How long a processed message is remembered, in seconds; 0 means <see cref="IdempotencyOptions.DefaultWindow"/>.</summary>
    public int WindowSeconds { get; }
}
