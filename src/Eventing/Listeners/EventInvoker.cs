using System.Text.Json.Serialization.Metadata;
using Eventing.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>
/// The innermost step of the handling chain: deserialize into the registered type, open the delivery's DI scope,
/// run the listener filters (if any apply) and call the handler.
/// </summary>
internal abstract class EventInvoker<TEvent>
{
    private readonly ListenerDescriptor _listener;
    private readonly JsonTypeInfo<TEvent> _typeInfo;
    private readonly IServiceScopeFactory _scopes;

    // Null when no filter applies, so a plain listener pays nothing for the extension point.
    private readonly ListenerHandler? _filtered;

    protected EventInvoker(ListenerDescriptor listener, JsonTypeInfo<TEvent> typeInfo, IServiceScopeFactory scopes, IEnumerable<IListenerFilterFactory> filterFactories)
    {
        _listener = listener;
        _typeInfo = typeInfo;
        _scopes = scopes;
        _filtered = ListenerFilterChain.Compose(filterFactories, listener, (@event, context, cancellationToken) => CallAsync((TEvent)@event, context, cancellationToken));
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
                await CallAsync(@event, context, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Calls the handler itself.</summary>
    protected abstract ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken);
}
