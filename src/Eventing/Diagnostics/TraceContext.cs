using System.Diagnostics;

namespace Eventing.Diagnostics;

/// <summary>
/// The W3C trace context on an envelope, as the CloudEvents distributed-tracing extension carries it: the
/// <c>traceparent</c> and <c>tracestate</c> attributes, mapped to headers by every provider like any other extension.
/// </summary>
internal static class TraceContext
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>Writes the context of <paramref name="activity"/> onto <paramref name="envelope"/>, replacing one it carried.</summary>
    public static void Inject(Envelope envelope, Activity activity)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id)
        {
            return;
        }

        var headers = envelope.Headers;
        headers[TraceParent] = id;
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            headers[TraceState] = state;
        }
        else
        {
            headers.Remove(TraceState);
        }
    }

    /// <summary>Reads the context an envelope carries; false when it carries none or one that does not parse.</summary>
    public static bool TryExtract(Envelope envelope, out ActivityContext context)
    {
        if (envelope.TryGetHeader(TraceParent, out var parent))
        {
            envelope.TryGetHeader(TraceState, out var state);
            return ActivityContext.TryParse(parent, state, isRemote: true, out context);
        }

        context = default;
        return false;
    }
}
