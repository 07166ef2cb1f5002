using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>
/// Invokes a listener class: built without a scope when <paramref name="unscoped"/> can, otherwise resolved from
/// the delivery's scope.
/// </summary>
internal sealed class ListenerInvoker<TListener, TEvent>(
    ListenerDescriptor listener,
    IServiceScopeFactory scopes,
    IReadOnlyList<IEnvelopePipeline> pipelines,
    UnscopedListenerFactory? unscoped)
    : EventInvoker<TEvent>(listener, scopes, pipelines)
    where TListener : EventListener<TEvent>
{
    protected override ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        (unscoped is null ? context.Services.GetRequiredService<TListener>() : (TListener)unscoped.Create()).OnAsync(@event, context, cancellationToken);
}
