using System.Diagnostics;

namespace Eventing.Observability;

/// <summary>One span as <see cref="JsonLineSpanExporter"/> writes it and the test reads it.</summary>
internal sealed record ExportedSpan(string TraceId, string SpanId, string? ParentSpanId, string Name, string Kind, IReadOnlyList<ExportedLink> Links)
{
    public static ExportedSpan From(Activity activity)
    {
        var links = new List<ExportedLink>();
        foreach (var link in activity.Links)
        {
            links.Add(new ExportedLink(link.Context.TraceId.ToHexString(), link.Context.SpanId.ToHexString()));
        }

        return new ExportedSpan(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName,
            activity.Kind.ToString(),
            links);
    }
}

/// <summary>A span link: the context of the span it points to.</summary>
internal sealed record ExportedLink(string TraceId, string SpanId);
