using System.Text.Json.Serialization.Metadata;
using Eventing.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Listeners;

/// <summary>
/// The innermost step of the receive chain: deserialize into the registered type, give the delivery its context
/// (whose DI scope opens on first use and is disposed here), run the pipelines' event stage (if any takes part) and
/// call the handler.
/// </summary>
internal abstract class EventInvoker
{
    /// <summary>Handles one delivery's envelope: the innermost <see cref="EnvelopeHandler"/> of the chain.</summary>
    public abstract ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken);
}

/// <summary>The <see cref="EventInvoker"/> of one event type.</summary>
internal abstract class EventInvoker<TEvent> : EventInvoker
{
    private readonly ListenerDescriptor _listener;
    private readonly JsonTypeInfo<TEvent> _typeInfo;
    private readonly IServiceScopeFactory _scopes;

    // Null when no pipeline takes part, so a plain listener pays nothing for the extension point.
    private readonly ListenerHandler? _wrapped;

    protected EventInvoker(ListenerDescriptor listener, IServiceScopeFactory scopes, IReadOnlyList<IEnvelopePipeline> pipelines)
    {
        _listener = listener;
        _typeInfo = (JsonTypeInfo<TEvent>)listener.Event.TypeInfo!;
        _scopes = scopes;
        _wrapped = PipelineChain.ComposeEvent(pipelines, (@event, context, cancellationToken) => CallAsync((TEvent)@event, context, cancellationToken));
    }

    public override async ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var @event = EventDeserializer.Deserialize(envelope, _typeInfo);
        var context = new EventContext(envelope, _listener, _scopes);
        try
        {
            if (_wrapped is null)
            {
                await CallAsync(@event, context, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _wrapped(@event!, context, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await context.EndAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Calls the handler itself.</summary>
    protected abstract ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken);
}
