namespace Eventing;

/// <summary>The CloudEvents attribute names Eventing reads and writes, and the prefixes used on the wire.</summary>
public static class CloudEventAttributes
{
    /// <summary><c>specversion</c>.</summary>
    public const string SpecVersion = "specversion";
    /// <summary><c>id</c>: the message id.</summary>
    public const string Id = "id";
    /// <summary><c>type</c>: the event name.</summary>
    public const string Type = "type";
    /// <summary><c>source</c>: the sender.</summary>
    public const string Source = "source";
    /// <summary><c>time</c>: when it was sent.</summary>
    public const string Time = "time";
    /// <summary><c>datacontenttype</c>.</summary>
    public const string DataContentType = "datacontenttype";
    /// <summary>Reserved extension: correlation id.</summary>
    public const string CorrelationId = "correlationid";
    /// <summary>Reserved extension: the attempt that failed last, on dead-lettered envelopes.</summary>
    public const string DeliveryAttempt = "deliveryattempt";
    /// <summary>Reserved extension: W3C trace parent.</summary>
    public const string TraceParent = "traceparent";
    /// <summary>Reserved extension: W3C trace state.</summary>
    public const string TraceState = "tracestate";
    /// <summary>Dead-letter extension: why the envelope was dead-lettered (<c>failed</c>, <c>malformed</c>, <c>unknown-event</c>, <c>too-large</c>).</summary>
    public const string DeadLetterReason = "deadletterreason";
    /// <summary>Dead-letter extension: the exception type of the last failure.</summary>
    public const string ExceptionType = "exceptiontype";
    /// <summary>Dead-letter extension: the exception message of the last failure.</summary>
    public const string ExceptionMessage = "exceptionmessage";
    /// <summary>Dead-letter extension: the queue of the listener that failed.</summary>
    public const string FailedListener = "failedlistener";
    /// <summary>Dead-letter extension: when it was dead-lettered (RFC 3339 UTC).</summary>
    public const string FailedAt = "failedat";

    /// <summary>How many delayed retries a message had (on the delayed copy and on its dead letter).</summary>
    public const string DelayedRetries = "delayedretries";

    /// <summary>When the first attempt of a message failed, kept across its delayed retries (RFC 3339).</summary>
    public const string FirstFailedAt = "firstfailedat";

    /// <summary>The header prefix Eventing writes on AMQP 0-9-1 and STOMP.</summary>
    public const string HeaderPrefix = "ce_";

    /// <summary>The application-property prefix Eventing writes on AMQP 1.0.</summary>
    public const string AmqpPropertyPrefix = "cloudEvents_";

    /// <summary>
    /// Maps a protocol header name to a CloudEvents attribute name, accepting every prefix the CloudEvents
    /// bindings use (<c>ce_</c>, <c>ce-</c>, <c>cloudEvents_</c>, <c>cloudEvents:</c>).
    /// </summary>
    /// <returns>False when the header is not a CloudEvents attribute.</returns>
    public static bool TryGetAttributeName(string header, out string attribute)
    {
        int prefix;
        if (header.Length > 3 && header[0] == 'c' && header[1] == 'e' && (header[2] == '_' || header[2] == '-'))
        {
            prefix = 3;
        }
        else if (header.Length > 12 && header.StartsWith("cloudEvents", StringComparison.Ordinal) && (header[11] == '_' || header[11] == ':'))
        {
            prefix = 12;
        }
        else
        {
            attribute = string.Empty;
            return false;
        }

        attribute = WellKnown(header.AsSpan(prefix)) ?? header[prefix..];
        return true;
    }

    // Interns the common names so a received envelope does not allocate one string per attribute name.
    private static string? WellKnown(ReadOnlySpan<char> name) => name switch
    {
        SpecVersion => SpecVersion,
        Id => Id,
        Type => Type,
        Source => Source,
        Time => Time,
        DataContentType => DataContentType,
        CorrelationId => CorrelationId,
        DeliveryAttempt => DeliveryAttempt,
        TraceParent => TraceParent,
        _ => null,
    };
}
