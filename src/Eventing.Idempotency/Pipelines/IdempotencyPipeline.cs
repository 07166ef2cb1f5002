using System.Reflection;
using Eventing.Idempotency.Diagnostics;
using Eventing.Idempotency.Locks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Idempotency.Pipelines;

/// <summary>
/// The idempotency pipeline: it takes part only in the handling of listeners marked idempotent or sequential, each
/// getting an <see cref="IdempotentListenerPipeline"/> configured when it subscribes.
/// </summary>
internal sealed class IdempotencyPipeline(
    IServiceProvider services,
    IOptions<IdempotencyOptions> options,
    LocalKeyLock localLock,
    IdempotencyMetrics metrics,
    ILoggerFactory loggerFactory) : EnvelopePipeline
{
    public override IEnvelopePipeline? Bind(ListenerDescriptor listener)
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

        return new IdempotentListenerPipeline(
            listener.Queue,
            window ?? TimeSpan.Zero,
            store,
            key,
            localLock,
            key is null ? null : services.GetService<IKeyLock>(),
            loggerFactory.CreateLogger<IdempotentListenerPipeline>(),
            metrics);
    }
}
