namespace Eventing.Providers;

/// <summary>One consumer at one moment.</summary>
/// <param name="Listener">The listener's name.</param>
/// <param name="Queue">The queue it consumes.</param>
/// <param name="IsConsuming">False while the broker has cancelled it and the provider has not restored it.</param>
/// <param name="CancelledSince">When the broker cancelled it; null while consuming.</param>
/// <param name="CancelReason">Why; null while consuming.</param>
/// <param name="Restorations">How often the provider restored it after a cancellation.</param>
internal sealed record ConsumerHealthSnapshot(
    string Listener,
    string Queue,
    bool IsConsuming,
    DateTimeOffset? CancelledSince,
    string? CancelReason,
    long Restorations);
