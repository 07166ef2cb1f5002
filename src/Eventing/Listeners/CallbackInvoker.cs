using System.Text.Json.Serialization.Metadata;
using Eventing.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>Invokes the callback of a dynamic subscription.</summary>
internal sealed class CallbackInvoker<TEvent>(
    ListenerDescriptor listener,
    JsonTypeInfo<TEvent> typeInfo,
    IServiceScopeFactory scopes,
    Func<TEvent, EventContext, CancellationToken, ValueTask> callback,
    IEnumerable<IListenerFilterFactory> filterFactories)
    : EventInvoker<TEvent>(listener, typeInfo, scopes, filterFactories)
{
    protected override ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        callback(@event, context, cancellationToken);
}
