namespace Eventing.Providers;

/// <summary>
/// A listener's dead-letter queue, read without consuming it for good: envelopes are taken unsettled, and whatever
/// was not removed goes back to the queue when this is disposed. Brokers mark those redelivered.
/// </summary>
public interface IDeadLetterBrowser : IAsyncDisposable
{
    /// <summary>The queue's name on the broker.</summary>
    string Name { get; }

    /// <summary>Takes up to <paramref name="max"/> envelopes; stops early when the queue is empty or quiet for <paramref name="idle"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken);

    /// <summary>Removes a taken envelope from the queue for good.</summary>
    Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="envelope"/> persistently, confirmed, to the queue of <paramref name="listener"/> (only
    /// that listener gets it again) or, with <paramref name="toEvent"/>, to the event's address (every listener).
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker refused the message; it stays in the dead-letter queue.</exception>
    /// <exception cref="BrokerUnreachableException">The broker did not confirm the message in time.</exception>
    Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken);
}
