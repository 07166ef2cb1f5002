using System.Text.Json.Serialization.Metadata;
using Eventing.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>Invokes a listener class, resolved from the delivery's scope.</summary>
internal sealed class ListenerInvoker<TListener, TEvent>(
    ListenerDescriptor listener,
    JsonTypeInfo<TEvent> typeInfo,
    IServiceScopeFactory scopes,
    IEnumerable<IListenerFilterFactory> filterFactories)
    : EventInvoker<TEvent>(listener, typeInfo, scopes, filterFactories)
    where TListener : EventListener<TEvent>
{
    protected override ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        context.Services.GetRequiredService<TListener>().OnAsync(@event, context, cancellationToken);
}
