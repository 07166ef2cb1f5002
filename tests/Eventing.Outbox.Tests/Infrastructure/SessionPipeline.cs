namespace Eventing.Outbox.Tests;

/// <summary>Stamps the session of the current request on every event sent, like an app's session pipeline.</summary>
public sealed class SessionPipeline : EnvelopePipeline
{
    private readonly AsyncLocal<string?> _session = new();

    public string? Current
    {
        get => _session.Value;
        set => _session.Value = value;
    }

    public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
    {
        if (_session.Value is { } session)
        {
            envelope.Headers["session"] = session;
        }

        return default;
    }
}
