using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>Invokes the callback of a dynamic subscription.</summary>
internal sealed class CallbackInvoker<TEvent>(
    ListenerDescriptor listener,
    IServiceScopeFactory scopes,
    IReadOnlyList<IEnvelopePipeline> pipelines,
    Func<TEvent, EventContext, CancellationToken, ValueTask> callback)
    : EventInvoker<TEvent>(listener, scopes, pipelines)
{
    protected override ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken) =>
        callback(@event, context, cancellationToken);
}
