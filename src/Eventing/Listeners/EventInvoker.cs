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

    public override ValueTask InvokeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        TEvent @event;
        try
        {
            @event = EventDeserializer.Deserialize(envelope, _typeInfo);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }

        // A handler that completes at once costs no state machine; the context ends (and its scope, if one was
        // opened, is disposed) either way.
        var context = new EventContext(envelope, _listener, _scopes);
        var call = Call(@event, context, cancellationToken);
        if (!call.IsCompletedSuccessfully)
        {
            return EndWhenDoneAsync(call, context);
        }

        call.GetAwaiter().GetResult();
        return context.EndAsync();
    }

    private static async ValueTask EndWhenDoneAsync(ValueTask call, EventContext context)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        finally
        {
            await context.EndAsync().ConfigureAwait(false);
        }
    }

    private ValueTask Call(TEvent @event, EventContext context, CancellationToken cancellationToken)
    {
        try
        {
            return _wrapped is null ? CallAsync(@event, context, cancellationToken) : _wrapped(@event!, context, cancellationToken);
        }
        catch (Exception exception)
        {
            return ValueTask.FromException(exception);
        }
    }

    /// <summary>Calls the handler itself.</summary>
    protected abstract ValueTask CallAsync(TEvent @event, EventContext context, CancellationToken cancellationToken);
}
