namespace Eventing;

/// <summary>
/// Intercepts envelopes on both sides: on send, before the provider gets the envelope (set headers); on handle,
/// around the rest of the handling (read headers, set an ambient value, clear it afterwards). The first
/// registered pipeline is outermost on both sides. Derive from <see cref="EnvelopePipeline"/> to override one side only.
/// </summary>
public interface IEnvelopePipeline
{
    /// <summary>Runs once per envelope before it is sent.</summary>
    ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken);

    /// <summary>Wraps the handling of a received envelope; call <paramref name="next"/> to go on.</summary>
    ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken);
}
