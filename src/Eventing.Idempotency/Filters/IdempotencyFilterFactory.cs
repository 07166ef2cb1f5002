using System.Reflection;
using Eventing.Idempotency.Diagnostics;
using Eventing.Idempotency.Locks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Idempotency.Filters;

/// <summary>Gives each listener marked idempotent or sequential its filter when the bus starts.</summary>
internal sealed class IdempotencyFilterFactory(
    IServiceProvider services,
    IOptions<IdempotencyOptions> options,
    LocalKeyLock localLock,
    IdempotencyMetrics metrics,
    ILoggerFactory loggerFactory) : IListenerFilterFactory
{
    public IListenerFilter? Create(ListenerDescriptor listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        TimeSpan? window = null;
        if (listener.Properties.TryGetValue(IdempotencySettings.WindowKey, out var recorded) && recorded is TimeSpan fromRegistration)
        {
            window = fromRegistration;
        }
        else if (listener.ListenerType?.GetCustomAttribute<IdempotentAttribute>() is { } attribute)
        {
            window = TimeSpan.FromSeconds(attribute.WindowSeconds);
        }

        var key = listener.Properties.TryGetValue(IdempotencySettings.KeyKey, out var selector) ? selector as Func<object, string> : null;
        if (window is null && key is null)
        {
            return null;
        }

        IProcessedMessageStore? store = null;
        if (window is { } value)
        {
            store = services.GetService<IProcessedMessageStore>() ?? throw new InvalidOperationException(
                $"Listener {listener.Queue} is idempotent but AddIdempotency has no store. Call UseRedis(...), UseSqlite(...) or UsePostgreSql(...) inside AddIdempotency.");
            window = value == TimeSpan.Zero ? options.Value.DefaultWindow : value;
        }

        return new IdempotencyFilter(
            listener.Queue,
            window ?? TimeSpan.Zero,
            store,
            key,
            localLock,
            key is null ? null : services.GetService<IKeyLock>(),
            loggerFactory.CreateLogger<IdempotencyFilter>(),
            metrics);
    }
}
