namespace Eventing;

/// <summary>How one event is sent: extra headers, and when it should reach its listeners.</summary>
/// <remarks>
/// A delayed send is held by the broker where the provider can (RabbitMQ: a chain of delay queues; ActiveMQ: its
/// scheduler; the local provider: a timer), so it survives the sending process but not a broker that loses its
/// messages. A provider that cannot hold messages throws <see cref="NotSupportedException"/>; the outbox's
/// <c>ScheduleAsync</c> schedules in the application's database instead, where a schedule can also be cancelled.
/// </remarks>
public sealed class SendOptions
{
    /// <summary>The longest delay a provider is asked to hold: 365 days.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(365);

    /// <summary>Extension attributes to add; names and values are checked against the CloudEvents rules.</summary>
    public IEnumerable<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>
    /// Deliver no earlier than this long after the send; null or zero sends at once. At most <see cref="MaxDelay"/>.
    /// Set this or <see cref="DeliverAt"/>, not both.
    /// </summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Deliver no earlier than this time; a time in the past sends at once. Set this or <see cref="Delay"/>, not both.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>The due time of a send starting at <paramref name="now"/>, or null when it is due at once.</summary>
    /// <exception cref="ArgumentException">Both are set, or the delay is negative or longer than <see cref="MaxDelay"/>.</exception>
    internal DateTimeOffset? DueAt(DateTimeOffset now)
    {
        if (Delay is { } delay)
        {
            if (DeliverAt is not null)
            {
                throw new ArgumentException("Set SendOptions.Delay or SendOptions.DeliverAt, not both.");
            }

            if (delay < TimeSpan.Zero || delay > MaxDelay)
            {
                throw new ArgumentException($"SendOptions.Delay is {delay}; it must be between zero and {MaxDelay.TotalDays:0} days.");
            }

            return delay == TimeSpan.Zero ? null : now + delay;
        }

        if (DeliverAt is { } at)
        {
            if (at - now > MaxDelay)
            {
                throw new ArgumentException($"SendOptions.DeliverAt is {at:O}; it must be within {MaxDelay.TotalDays:0} days from now.");
            }

            return at > now ? at : null;
        }

        return null;
    }
}
