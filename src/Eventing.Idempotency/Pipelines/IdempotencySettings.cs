namespace Eventing.Idempotency.Pipelines;

/// <summary>The keys under which registration records settings in <see cref="ListenerBuilder.Properties"/>.</summary>
internal static class IdempotencySettings
{
    // TimeSpan; Zero stands for IdempotencyOptions.DefaultWindow, which is only known once options are bound.
    public const string WindowKey = "Eventing.Idempotency.Window";

    // Func<object, string>: the event's lock key, built once at registration from the typed selector.
    public const string KeyKey = "Eventing.Idempotency.SequentialKey";

    public static Type? EventTypeOf(Type listenerType)
    {
        for (var type = listenerType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EventListener<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }
}
