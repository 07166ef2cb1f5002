namespace Eventing.Idempotency.Tests;

[Event("idempotency-tests.order-placed")]
public sealed record OrderPlaced(string OrderId, int Amount);

/// <summary>The one listener class of the tests; each test gives it a name of its own and a behaviour through <see cref="Recorder"/>.</summary>
public sealed class RecordingListener(Recorder recorder) : EventListener<OrderPlaced>
{
    public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) =>
        recorder.OnAsync(@event, context, cancellationToken);
}

/// <summary>Marked with the attribute instead of at registration.</summary>
[Idempotent(windowSeconds: 3600)]
public sealed class AttributedListener(Recorder recorder) : EventListener<OrderPlaced>
{
    public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) =>
        recorder.OnAsync(@event, context, cancellationToken);
}

/// <summary>Throws after the handler finished, once per message: a crash between the handler and the ack.</summary>
public sealed class FailAfterHandlerPipeline : EnvelopePipeline
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _failed = new();

    public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        await next(envelope, cancellationToken);
        if (_failed.TryAdd(envelope.Id, true))
        {
            throw new InvalidOperationException("simulated crash after the handler, before the ack");
        }
    }
}
