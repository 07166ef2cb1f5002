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
    // RS0027 asks the overload with optional parameters to have the most parameters; the SendOptions overload has as
    // many and none optional, so every call binds to exactly one of them and none changes meaning.
#pragma warning disable RS0027
    ValueTask SendAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        CancellationToken cancellationToken = default)
        where TEvent : notnull;
#pragma warning restore RS0027

    /// <summary>
    /// Like <see cref="SendAsync{TEvent}(TEvent, IEnumerable{KeyValuePair{string, string}}?, CancellationToken)"/>, with
    /// headers and a due time in <paramref name="options"/>. A delayed event is held by the broker (see
    /// <see cref="SendOptions"/>); the task completes once the broker took responsibility for it, not when it is due.
    /// </summary>
    /// <exception cref="NotSupportedException">A delay was asked for and the provider's broker cannot hold messages.</exception>
    ValueTask SendAsync<TEvent>(TEvent @event, SendOptions options, CancellationToken cancellationToken)
        where TEvent : notnull;

    /// <summary>Sends <paramref name="event"/> to reach its listeners no earlier than <paramref name="deliverAt"/>.</summary>
    /// <exception cref="NotSupportedException">The provider's broker cannot hold messages.</exception>
    ValueTask ScheduleAsync<TEvent>(TEvent @event, DateTimeOffset deliverAt, CancellationToken cancellationToken = default)
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
