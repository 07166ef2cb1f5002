namespace Eventing.Cli.DeadLetters;

/// <summary>How a dead letter becomes a fresh delivery again, and whose it was.</summary>
internal static class DeadLetterReplay
{
    /// <summary>The headers the dead-lettering added; a replayed envelope must not carry them.</summary>
    public static readonly string[] FailureHeaders =
    [
        CloudEventAttributes.DeadLetterReason,
        CloudEventAttributes.ExceptionType,
        CloudEventAttributes.ExceptionMessage,
        CloudEventAttributes.FailedListener,
        CloudEventAttributes.FailedAt,
        CloudEventAttributes.DeliveryAttempt,
    ];

    /// <summary>
    /// A copy with the same id, type, source, time, data and original headers, without the failure headers; the
    /// attempt count starts again at 1 because <c>deliveryattempt</c> is gone.
    /// </summary>
    public static Envelope Clean(Envelope deadLetter)
    {
        var replay = deadLetter.Clone();
        replay.Redelivered = false;
        foreach (var header in FailureHeaders)
        {
            replay.Headers.Remove(header);
        }

        return replay;
    }

    /// <summary>Accepts <c>&lt;event&gt;::&lt;listener&gt;</c> or <c>&lt;event&gt;::&lt;listener&gt;.dead-letter</c>.</summary>
    public static ListenerDescriptor ListenerOf(string queue)
    {
        const string Suffix = ".dead-letter";
        var name = queue.EndsWith(Suffix, StringComparison.Ordinal) ? queue[..^Suffix.Length] : queue;
        var separator = name.IndexOf("::", StringComparison.Ordinal);
        if (separator <= 0 || separator + 2 >= name.Length)
        {
            throw new UsageException(
                $"--queue '{queue}' is not a listener queue. Use <event>::<listener>[.dead-letter], e.g. orders.placed::billing (see `eventing topology`).");
        }

        // The queue name is the contract: per-process queues end in -<process>, which stays part of the name here.
        return new ListenerDescriptor(new EventDescriptor(name[..separator], durable: true), name[(separator + 2)..], perProcess: false, processId: string.Empty);
    }

    /// <summary>The listener an envelope failed in, from its <c>failedlistener</c> header, else the queue it was read from.</summary>
    public static ListenerDescriptor FailedListener(Envelope deadLetter, ListenerDescriptor fallback) =>
        deadLetter.Headers.TryGetValue(CloudEventAttributes.FailedListener, out var queue) && queue.Contains("::", StringComparison.Ordinal)
            ? ListenerOf(queue)
            : fallback;
}
