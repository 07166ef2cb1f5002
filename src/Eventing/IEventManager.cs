namespace Eventing;

/// <summary>Sends events and creates dynamic subscriptions. Inject it where events are published.</summary>
public interface IEventManager
{
    /// <summary>
    /// Serializes <paramref name="event"/>, runs the send pipelines and hands the envelope to the provider.
    /// For durable events the task completes once the broker confirmed the message.
    /// </summary>
    /// <param name="event">An instance of a type marked with <see cref="EventAttribute"/>.</param>
    /// <param name="headers">Extension attributes to add; names and values are checked against the CloudEvents rules.</param>
    /// <param name="cancellationToken">Cancels waiting for the provider.</param>
    ValueTask SendAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>
    /// Subscribes a callback as listener <paramref name="listenerName"/>. Disposing the result stops delivery
    /// and removes the consumer from the provider.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync<TEvent>(
        string listenerName,
        Func<TEvent, EventContext, CancellationToken, ValueTask> callback,
        bool perProcess = false,
        CancellationToken cancellationToken = default);
}
