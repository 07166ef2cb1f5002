using System.Diagnostics;

namespace Eventing.Diagnostics;

/// <summary>
/// The receive side of tracing and metrics for one listener: a <c>process</c> span per delivery attempt, a child of
/// the sender's context (and linked to it, as the messaging conventions ask), with retry and dead-letter as span
/// events; and the consumed, duration, retry and dead-letter instruments, tagged once per listener.
/// </summary>
internal sealed class ListenerTelemetry
{
    private readonly ActivitySource _source;
    private readonly EventingMetrics _metrics;
    private readonly ListenerDescriptor _listener;
    private readonly string _system;
    private readonly TagList _tags;

    public ListenerTelemetry(ListenerDescriptor listener, string system, EventingTracing tracing, EventingMetrics metrics)
    {
        _source = tracing.Source;
        _metrics = metrics;
        _listener = listener;
        _system = system;
        _tags = new TagList
        {
            { MessagingAttributes.System, system },
            { MessagingAttributes.DestinationName, listener.Event.Name },
            { MessagingAttributes.ConsumerGroup, listener.Name },
            { MessagingAttributes.SubscriptionName, listener.Queue },
        };
    }

    /// <summary>True while something listens to the spans.</summary>
    public bool IsTracing => _source.HasListeners();

    /// <summary>The broker delivered a message to this listener.</summary>
    public void Consumed() => _metrics.ConsumedMessages.Add(1, in _tags);

    /// <summary>Starts the span and the clock of one attempt; dispose the result when the attempt ends.</summary>
    public Attempt StartAttempt(Envelope envelope)
    {
        var activity = StartProcess(envelope);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.DeliveryAttempt, envelope.DeliveryAttempt);
        }

        return new Attempt(this, activity, _metrics.ProcessDuration.Enabled ? Stopwatch.GetTimestamp() : 0);
    }

    /// <summary>A message dead-lettered before any attempt (unreadable, too large, not this listener's event): a span of its own.</summary>
    public void Poisoned(Envelope envelope, string reason, Exception? exception)
    {
        using var activity = StartProcess(envelope);
        if (activity is null)
        {
            return;
        }

        if (exception is not null)
        {
            activity.Fail(exception);
        }
        else
        {
            activity.SetStatus(ActivityStatusCode.Error, reason);
        }

        AddDeadLetterEvent(activity, reason);
    }

    /// <summary>Counts a message sent to the dead-letter queue.</summary>
    public void DeadLettered(string reason)
    {
        var tags = _tags;
        tags.Add(MessagingAttributes.DeadLetterReason, reason);
        _metrics.DeadLetters.Add(1, in tags);
    }

    /// <summary>Counts a dead letter the broker refused.</summary>
    public void DeadLetterRefused() => _metrics.DeadLetterFailures.Add(1, in _tags);

    private Activity? StartProcess(Envelope envelope)
    {
        if (!_source.HasListeners())
        {
            return null;
        }

        Activity? activity;
        if (TraceContext.TryExtract(envelope, out var sender))
        {
            activity = _source.StartActivity(_listener.Event.ProcessSpanName, ActivityKind.Consumer, sender, links: [new ActivityLink(sender)]);
        }
        else
        {
            activity = _source.StartActivity(_listener.Event.ProcessSpanName, ActivityKind.Consumer);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, _system);
            activity.SetTag(MessagingAttributes.DestinationName, _listener.Event.Name);
            activity.SetTag(MessagingAttributes.ConsumerGroup, _listener.Name);
            activity.SetTag(MessagingAttributes.SubscriptionName, _listener.Queue);
            activity.SetTag(MessagingAttributes.OperationType, MessagingAttributes.Process);
            activity.SetTag(MessagingAttributes.OperationName, MessagingAttributes.Process);
            activity.SetTag(MessagingAttributes.MessageId, envelope.Id);
            activity.SetTag(MessagingAttributes.BodySize, envelope.Body.Length);
        }

        return activity;
    }

    private static void AddDeadLetterEvent(Activity activity, string reason) =>
        activity.AddEvent(new ActivityEvent("eventing.dead_letter", tags: new ActivityTagsCollection { [MessagingAttributes.DeadLetterReason] = reason }));

    /// <summary>One attempt's span and clock. Its outcome is reported once; disposing ends the span.</summary>
    internal readonly struct Attempt(ListenerTelemetry telemetry, Activity? activity, long started) : IDisposable
    {
        /// <summary>The listener handled it.</summary>
        public void Handled() => telemetry.RecordDuration(started, null);

        /// <summary>It failed and will be tried again after <paramref name="delay"/>.</summary>
        public void Retrying(Exception exception, TimeSpan delay)
        {
            telemetry.RecordDuration(started, exception);
            telemetry._metrics.Retries.Add(1, in telemetry._tags);
            if (activity is not null)
            {
                activity.Fail(exception);
                activity.AddEvent(new ActivityEvent("eventing.retry", tags: new ActivityTagsCollection { [MessagingAttributes.RetryDelay] = delay.TotalSeconds }));
            }
        }

        /// <summary>It failed for the last time: the message goes to the dead-letter queue for <paramref name="reason"/>.</summary>
        public void GaveUp(Exception exception, string reason)
        {
            telemetry.RecordDuration(started, exception);
            if (activity is not null)
            {
                activity.Fail(exception);
                AddDeadLetterEvent(activity, reason);
            }
        }

        public void Dispose() => activity?.Dispose();
    }

    private void RecordDuration(long started, Exception? exception)
    {
        if (started == 0)
        {
            return;
        }

        var tags = _tags;
        if (exception is not null)
        {
            tags.Add(MessagingAttributes.ErrorType, exception.GetType().FullName);
        }

        _metrics.ProcessDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, in tags);
    }
}
