using System.Text.Json;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A CloudEvent as a test client received it: the JSON it parsed, and for SSE the <c>id:</c> and <c>event:</c> fields.
/// </summary>
internal sealed record ReceivedEvent(JsonElement CloudEvent, string? SseId = null, string? SseType = null)
{
    public string Id => CloudEvent.GetProperty("id").GetString()!;

    public string Type => CloudEvent.GetProperty("type").GetString()!;

    public JsonElement Data => CloudEvent.GetProperty("data");

    public int Seq => Data.GetProperty("seq").GetInt32();

    public string Tenant => Data.GetProperty("tenant").GetString()!;

    public bool IsGap => Type == "eventing.gap";

    public static ReceivedEvent Parse(ReadOnlySpan<byte> json, string? sseId = null, string? sseType = null)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        return new ReceivedEvent(document.RootElement.Clone(), sseId, sseType);
    }
}
