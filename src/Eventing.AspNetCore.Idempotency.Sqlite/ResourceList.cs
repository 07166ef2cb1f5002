using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Eventing.AspNetCore.Idempotency.Sqlite;

/// <summary>Resource names as a JSON array, the one parameter SQLite's <c>json_each</c> expands into rows.</summary>
internal static class ResourceList
{
    public static string ToJson(IReadOnlyCollection<string> resources)
    {
        var buffer = new ArrayBufferWriter<byte>(16 + (resources.Count * 24));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var resource in resources)
            {
                writer.WriteStringValue(resource);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
