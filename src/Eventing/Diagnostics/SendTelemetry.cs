using System.Diagnostics;

namespace Eventing.Diagnostics;

/// <summary>
/// The send side of tracing and metrics: the <c>create</c> span of an envelope recorded for later (the outbox), the
/// <c>send</c> span of each send, the trace context written onto the envelope, and the sent-messages counter and
/// duration histogram. One per bus.
/// </summary>
internal sealed class SendTelemetry(EventingTracing tracing, EventingMetrics metrics, string system)
{
    private readonly ActivitySource _source = tracing.Source;

    /// <summary>True while something listens to the sent-messages counter.</summary>
    public bool IsCounted => metrics.SentMessages.Enabled;

    /// <summary>
    /// Whether a send must go through the traced path: a listener samples the source, a trace is current (its
    /// context travels even when our spans are not sampled), or send durations are collected.
    /// </summary>
    public bool IsObserved => _source.HasListeners() || Activity.Current is not null || metrics.SendDuration.Enabled;

    /// <summary>
    /// Starts the span of <paramref name="operation"/> (create or send) for <paramref name="envelope"/> of
    /// <paramref name="event"/>, and writes the current trace context onto the envelope. <paramref name="parent"/>
    /// is the context to continue; default for the current activity.
    /// </summary>
    public Activity? Start(Envelope envelope, EventDescriptor @event, string operation, ActivityContext parent)
    {
        var name = operation == MessagingAttributes.Create ? @event.CreateSpanName : @event.SendSpanName;
        var activity = parent == default
            ? _source.StartActivity(name, ActivityKind.Producer)
            : _source.StartActivity(name, ActivityKind.Producer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingAttributes.System, system);
            activity.SetTag(MessagingAttributes.DestinationName, @event.Name);
            activity.SetTag(MessagingAttributes.OperationType, operation);
            activity.SetTag(MessagingAttributes.OperationName, operation);
            activity.SetTag(MessagingAttributes.MessageId, envelope.Id);
            activity.SetTag(MessagingAttributes.BodySize, envelope.Body.Length);
        }

        if ((activity ?? Activity.Current) is { } current)
        {
            TraceContext.Inject(envelope, current);
        }

        return activity;
    }

    /// <summary>Counts a send that succeeded without being timed (the untraced path).</summary>
    public void Sent(EventDescriptor @event) =>
        metrics.SentMessages.Add(
            1,
            new KeyValuePair<string, object?>(MessagingAttributes.System, system),
            new KeyValuePair<string, object?>(MessagingAttributes.DestinationName, @event.Name),
            new KeyValuePair<string, object?>(MessagingAttributes.OperationName, MessagingAttributes.Send));

    /// <summary>Ends a send: counted, timed from <paramref name="started"/>, and failed with <paramref name="exception"/> if one is given.</summary>
    public void Complete(Activity? activity, EventDescriptor @event, long started, Exception? exception)
    {
        var tags = new TagList
        {
            { MessagingAttributes.System, system },
            { MessagingAttributes.DestinationName, @event.Name },
            { MessagingAttributes.OperationName, MessagingAttributes.Send },
        };
        if (exception is not null)
        {
            tags.Add(MessagingAttributes.ErrorType, exception.GetType().FullName);
            activity?.Fail(exception);
        }

        metrics.SentMessages.Add(1, in tags);
        if (started != 0)
        {
            metrics.SendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, in tags);
        }

        activity?.Dispose();
    }

    /// <summary>A timestamp to time a send from, or 0 when durations are not collected.</summary>
    public long Timestamp() => metrics.SendDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
}
