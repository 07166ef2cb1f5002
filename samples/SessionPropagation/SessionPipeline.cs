using Eventing;

namespace SessionPropagation;

/// <summary>Carries the session id from the sender to the listener in the <c>session</c> header.</summary>
public sealed class SessionPipeline(SessionAccessor sessions) : EnvelopePipeline
{
    private const string Header = "session";

    public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        if (sessions.Current is { } session)
        {
            envelope.Headers[Header] = session;
        }

        return ValueTask.CompletedTask;
    }

    public override async ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken)
    {
        sessions.Current = envelope.Headers.TryGetValue(Header, out var session) ? session : null;
        try
        {
            await next(envelope, cancellationToken);
        }
        finally
        {
            // The delivery's session must not leak into whatever this thread runs next.
            sessions.Current = null;
        }
    }
}
