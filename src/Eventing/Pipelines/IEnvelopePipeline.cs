namespace Eventing;

/// <summary>
/// The one way to intercept events, on both paths. On send, <see cref="SendAsync"/> runs before the provider gets
/// the envelope (set headers). On receive, a pipeline has two stages around each listener's handling:
/// <list type="number">
/// <item><see cref="HandleAsync"/> wraps the envelope as it arrived, outside the delivery's DI scope and before
/// deserialization (read headers, set an ambient value and clear it afterwards, measure);</item>
/// <item><see cref="HandleEventAsync"/> wraps the listener call itself, inside the delivery's DI scope and after
/// deserialization, so it sees the event and <see cref="EventContext.Services"/> as the handler does (idempotency,
/// per-key locks, a transaction the handler joins).</item>
/// </list>
/// The first registered pipeline is outermost on both paths and in both stages. Retries and dead-lettering are
/// stages of the same chain, outside every pipeline: a pipeline sees each attempt, and an exception it throws is
/// retried like the handler's (throw <see cref="DoNotRetryException"/> to dead-letter at once). Not calling
/// <c>next</c> skips the handler; the delivery is then acknowledged. Derive from <see cref="EnvelopePipeline"/>
/// to override only what you need.
/// </summary>
public interface IEnvelopePipeline
{
    /// <summary>Runs once per envelope before it is sent.</summary>
    ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken);

    /// <summary>Wraps the handling of a received envelope; call <paramref name="next"/> to go on.</summary>
    ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken);

    /// <summary>Wraps the call of the listener with the deserialized event; call <paramref name="next"/> to go on.</summary>
    ValueTask HandleEventAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        return next(@event, context, cancellationToken);
    }

    /// <summary>
    /// Called once for each listener when it subscribes: the pipeline to run around that listener's handling
    /// (this one, or one configured from the settings an extension recorded in
    /// <see cref="ListenerDescriptor.Properties"/>), or <see langword="null"/> to stay out of it, so that a listener
    /// pays nothing for a pipeline that does not concern it. Throwing stops the start, so invalid settings surface
    /// then. <see cref="SendAsync"/> runs for every event regardless.
    /// </summary>
    IEnvelopePipeline? Bind(ListenerDescriptor listener) => this;
}
