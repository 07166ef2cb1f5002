using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>The innermost step for a listener class: deserialize, open a DI scope, resolve the listener, call it.</summary>
internal sealed class ListenerInvoker<TListener, TEvent>(ListenerDescriptor listener, JsonTypeInfo<TEvent> typeInfo, IServiceScopeFactory scopes)
    where TListener : EventListener<TEvent>
{
    public async ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var @event = EventDeserializer.Deserialize(envelope, typeInfo);
        var scope = scopes.CreateAsyncScope();
        try
        {
            var instance = scope.ServiceProvider.GetRequiredService<TListener>();
            await instance.OnAsync(@event, new EventContext(envelope, listener, scope.ServiceProvider), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
