namespace Eventing.Providers;

/// <summary>
/// The side of a provider that can hand a message back to a listener's queue later, for delayed retries. The broker
/// does the waiting where it can (RabbitMQ: a delay queue per configured delay), so the consumer's slot is free
/// meanwhile. A provider without it fails at start for a listener that asks for delayed retries.
/// </summary>
public interface IDelayedRedelivery
{
    /// <summary>
    /// Puts <paramref name="envelope"/> on the queue of <paramref name="listener"/> after <paramref name="delay"/>, one
    /// of the listener's <see cref="RetryPolicy.Delayed"/> delays. The task completes once the broker took
    /// responsibility for the copy; only then does the core acknowledge the original, so a crash in between causes at
    /// worst a duplicate.
    /// </summary>
    ValueTask RedeliverAsync(Envelope envelope, ListenerDescriptor listener, TimeSpan delay, CancellationToken cancellationToken);
}
