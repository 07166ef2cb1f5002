using System.Net;
using System.Text;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>A response as the client saw it: status, headers and the exact body bytes.</summary>
public sealed record Answer(HttpStatusCode Status, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public bool Replayed => Headers.TryGetValue("Idempotent-Replayed", out var value) && value == "true";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(",", values);
        }

        return new Answer(response.StatusCode, await response.Content.ReadAsByteArrayAsync(), headers);
    }
}
