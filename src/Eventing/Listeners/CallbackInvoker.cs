using System.Text.Json.Serialization.Metadata;
using Eventing.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>The innermost step for a dynamic subscription: deserialize, open a DI scope, call the callback.</summary>
internal sealed class CallbackInvoker<TEvent>
{
    private readonly ListenerDescriptor _listener;
    private readonly JsonTypeInfo<TEvent> _typeInfo;
    private readonly IServiceScopeFactory _scopes;
    private readonly Func<TEvent, EventContext, CancellationToken, ValueTask> _callback;
    private readonly ListenerHandler? _filtered;

    public CallbackInvoker(
        ListenerDescriptor listener,
        JsonTypeInfo<TEvent> typeInfo,
        IServiceScopeFactory scopes,
        Func<TEvent, EventContext, CancellationToken, ValueTask> callback,
        IEnumerable<IListenerFilterFactory> filterFactories)
    {
        _listener = listener;
        _typeInfo = typeInfo;
        _scopes = scopes;
        _callback = callback;
        _filtered = ListenerFilterChain.Compose(filterFactories, listener, CallCallbackAsync);
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
                await _callback(@event, context, cancellationToken).ConfigureAwait(false);
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

    private ValueTask CallCallbackAsync(object @event, EventContext context, CancellationToken cancellationToken) =>
        _callback((TEvent)@event, context, cancellationToken);
}
