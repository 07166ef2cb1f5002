using System.Text.Json.Serialization.Metadata;
using Eventing.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>The innermost step for a listener class: deserialize, open a DI scope, resolve the listener, call it.</summary>
internal sealed class ListenerInvoker<TListener, TEvent>
    where TListener : EventListener<TEvent>
{
    private readonly ListenerDescriptor _listener;
    private readonly JsonTypeInfo<TEvent> _typeInfo;
    private readonly IServiceScopeFactory _scopes;

    // Null when no filter applies, so a plain listener pays nothing for the extension point.
    private readonly ListenerHandler? _filtered;

    public ListenerInvoker(ListenerDescriptor listener, JsonTypeInfo<TEvent> typeInfo, IServiceScopeFactory scopes, IEnumerable<IListenerFilterFactory> filterFactories)
    {
        _listener = listener;
        _typeInfo = typeInfo;
        _scopes = scopes;
        _filtered = ListenerFilterChain.Compose(filterFactories, listener, CallListenerAsync);
    }

    public async ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var @event = EventDeserializer.Deserialize(envelope, _typeInfo);
        var scope = _scopes.CreateAsyncScope();
        try
        {
            var context = new EventContext(envelope, _listener, scope.ServiceProvider);
            if (_filtered is null)
            {
                var instance = scope.ServiceProvider.GetRequiredService<TListener>();
                await instance.OnAsync(@event, context, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _filtered(@event!, context, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ValueTask CallListenerAsync(object @event, EventContext context, CancellationToken cancellationToken) =>
        context.Services.GetRequiredService<TListener>().OnAsync((TEvent)@event, context, cancellationToken);
}
