namespace Eventing.Providers;

/// <summary>
/// The side of a provider whose broker can hold a sent event until a due time (<see cref="SendOptions.Delay"/>,
/// <see cref="IEventManager.ScheduleAsync{TEvent}"/>). The broker does the waiting, so nothing of the schedule lives in
/// the sending process. A provider without it makes a delayed send throw <see cref="NotSupportedException"/>.
/// </summary>
public interface IScheduledDelivery
{
    /// <summary>
    /// Sends <paramref name="envelope"/> to the address of <paramref name="event"/> so that it reaches the listeners no
    /// earlier than <paramref name="dueAt"/>, and as soon as possible after it. The task completes once the broker took
    /// responsibility for the message, as <see cref="IProvider.SendAsync"/> does.
    /// </summary>
    /// <exception cref="NotSupportedException">The broker this provider is connected to cannot hold messages.</exception>
    ValueTask ScheduleAsync(Envelope envelope, EventDescriptor @event, DateTimeOffset dueAt, CancellationToken cancellationToken);
}
