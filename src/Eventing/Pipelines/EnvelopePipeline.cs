namespace Eventing;

/// <summary>
/// A pipeline that does nothing until overridden: override <see cref="SendAsync"/> to set headers,
/// <see cref="HandleAsync"/> to read them, <see cref="HandleEventAsync"/> to wrap the listener call, and
/// <see cref="Bind"/> to take part only for some listeners.
/// </summary>
/// <example>
/// <code>
/// public sealed class TenantPipeline(ITenant tenant) : EnvelopePipeline
/// {
///     public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken ct)
///     {
///         envelope.Headers["tenant"] = tenant.Id;
///         return default;
///     }
/// }
/// </code>
/// </example>
public abstract class EnvelopePipeline : IEnvelopePipeline
{
    /// <inheritdoc />
    public virtual ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public virtual ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        return next(envelope, cancellationToken);
    }

    /// <inheritdoc />
    public virtual ValueTask HandleEventAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        return next(@event, context, cancellationToken);
    }

    /// <inheritdoc />
    public virtual IEnvelopePipeline? Bind(ListenerDescriptor listener) => this;
}
