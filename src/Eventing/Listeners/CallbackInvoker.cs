using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>The innermost step for a dynamic subscription: deserialize, open a DI scope, call the callback.</summary>
internal sealed class CallbackInvoker<TEvent>(
    ListenerDescriptor listener,
    JsonTypeInfo<TEvent> typeInfo,
    IServiceScopeFactory scopes,
    Func<TEvent, EventContext, CancellationToken, ValueTask> callback)
{
    public async ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var @event = EventDeserializer.Deserialize(envelope, typeInfo);
        var scope = scopes.CreateAsyncScope();
        try
        {
            await callback(@event, new EventContext(envelope, listener, scope.ServiceProvider), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
