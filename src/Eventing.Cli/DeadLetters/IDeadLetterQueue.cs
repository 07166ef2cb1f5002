namespace Eventing.Cli.DeadLetters;

/// <summary>
/// A dead-letter queue read without consuming it for good: envelopes are taken unsettled, and whatever was not
/// removed goes back to the queue when this is disposed (the connection closes). Brokers mark them redelivered.
/// </summary>
internal interface IDeadLetterQueue : IAsyncDisposable
{
    /// <summary>The queue's name on the broker.</summary>
    string Name { get; }

    /// <summary>Takes up to <paramref name="max"/> envelopes; stops early when the queue is empty (or quiet for <paramref name="idle"/>).</summary>
    Task<IReadOnlyList<DeadLetter>> ReadAsync(int max, TimeSpan idle, CancellationToken cancellationToken);

    /// <summary>Removes a taken envelope from the queue for good.</summary>
    Task RemoveAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="envelope"/> persistently, confirmed, to the queue of <paramref name="listener"/> (only
    /// that listener gets it again) or, with <paramref name="toEvent"/>, to the event's address (every listener).
    /// </summary>
    Task ResendAsync(Envelope envelope, ListenerDescriptor listener, bool toEvent, CancellationToken cancellationToken);
}
