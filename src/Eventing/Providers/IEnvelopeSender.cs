namespace Eventing.Providers;

/// <summary>
/// The two halves of <see cref="IEventManager.SendAsync{TEvent}(TEvent, IEnumerable{KeyValuePair{string, string}}?, CancellationToken)"/>, for components that keep envelopes between
/// creating and sending them (the outbox records them in a database transaction and sends after commit).
/// </summary>
internal interface IEnvelopeSender
{
    /// <summary>Serializes <paramref name="event"/> into an envelope and runs the send pipelines on it.</summary>
    ValueTask<(Envelope Envelope, EventDescriptor Event)> CreateEnvelopeAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>Looks up a registered event by name, for envelopes read back from storage.</summary>
    bool TryGetEvent(string name, out EventDescriptor descriptor);

    /// <summary>Hands an envelope to the provider without running pipelines again.</summary>
    ValueTask SendEnvelopeAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes once the provider is started and every listener registered with the application is subscribed.
    /// A component that sends events stored by an earlier run (the outbox relay) waits for it, so that the
    /// application's own listeners are bound before those events arrive.
    /// </summary>
    Task WhenStartedAsync(CancellationToken cancellationToken);
}
