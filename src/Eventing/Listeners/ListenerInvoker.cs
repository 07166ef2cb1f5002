using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>Invokes a listener class, resolved from the delivery's scope.</summary>
internal sealed class ListenerInvoker<TListener, TEvent>(ListenerDescriptor listener, IServiceScopeFactory scopes, IReadOnlyList<IEnvelopePipeline> pipelines)
    : EventInvoker<TEvent>(listener, scopes, pipelines)
    where TListener : EventListener<TEvent>
{
    protected override ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        context.Services.GetRequiredService<TListener>().OnAsync(@event, context, cancellationToken);
}
