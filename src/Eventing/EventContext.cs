using Microsoft.Extensions.DependencyInjection;

namespace Eventing;

/// <summary>What a listener knows about the delivery it is handling.</summary>
public sealed class EventContext
{
    private readonly IServiceScopeFactory _scopes;
    private IServiceScope? _scope;
    private bool _ended;

    internal EventContext(Envelope envelope, ListenerDescriptor listener, IServiceScopeFactory scopes)
    {
        Envelope = envelope;
        Listener = listener;
        _scopes = scopes;
        DeliveryAttempt = envelope.DeliveryAttempt;
    }

    /// <summary>The envelope as it arrived, after the pipelines ran.</summary>
    public Envelope Envelope { get; }

    /// <summary>The CloudEvents id of the message; stable across redeliveries.</summary>
    public string MessageId => Envelope.Id;

    /// <summary>The extension attributes (headers) of the envelope.</summary>
    public EnvelopeHeaders Headers => Envelope.Headers;

    /// <summary>1 for the first attempt in this process, 2 for the first retry, and so on.</summary>
    public int DeliveryAttempt { get; }

    /// <summary>True when the broker delivered this message before (to this or another consumer).</summary>
    public bool Redelivered => Envelope.Redelivered;

    /// <summary>The listener handling the event.</summary>
    public ListenerDescriptor Listener { get; }

    /// <summary>
    /// The DI scope of this delivery: one per delivery attempt, shared by the pipelines and the listener, and
    /// disposed when the attempt ends. It is created the first time it is asked for, so a listener built only from
    /// singletons costs no scope.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The attempt has ended (the scope was used after the handler returned).</exception>
    public IServiceProvider Services => (Volatile.Read(ref _scope) ?? CreateScope()).ServiceProvider;

    /// <summary>Disposes the scope, if the attempt created one; afterwards <see cref="Services"/> throws.</summary>
    internal ValueTask EndAsync()
    {
        _ended = true;
        return Interlocked.Exchange(ref _scope, null) is { } scope ? new AsyncServiceScope(scope).DisposeAsync() : default;
    }

    private IServiceScope CreateScope()
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        var created = _scopes.CreateScope();

        // Two tasks of one handler may ask at once: one scope wins, the other is disposed unused.
        if (Interlocked.CompareExchange(ref _scope, created, null) is { } first)
        {
            created.Dispose();
            return first;
        }

        return created;
    }
}
