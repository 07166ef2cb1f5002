namespace Eventing;

/// <summary>What a listener knows about the delivery it is handling.</summary>
public sealed class EventContext
{
    internal EventContext(Envelope envelope, ListenerDescriptor listener, IServiceProvider services)
    {
        Envelope = envelope;
        Listener = listener;
        Services = services;
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

    /// <summary>The DI scope of this delivery.</summary>
    public IServiceProvider Services { get; }
}
