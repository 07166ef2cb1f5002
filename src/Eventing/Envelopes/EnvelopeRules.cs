using System.Text;

namespace Eventing.Envelopes;

/// <summary>The CloudEvents naming and size rules of docs/wire.md, checked where a header or id is set.</summary>
internal static class EnvelopeRules
{
    public const int MaxHeaderNameLength = 20;
    public const int MaxHeaderValueBytes = 8 * 1024;

    // Longer ids kill RabbitMQ 0-9-1 consumers (short strings are limited to 255 bytes).
    public const int MaxIdBytes = 255;

    public static void CheckHeader(string name, string value)
    {
        if (HeaderError(name, value) is { } error)
        {
            throw new InvalidHeaderException(name, error);
        }
    }

    public static string? HeaderError(string? name, string? value)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a header name must not be empty";
        }

        if (name.Length > MaxHeaderNameLength)
        {
            return $"a header name has at most {MaxHeaderNameLength} characters (CloudEvents extension naming)";
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return $"a header name may only contain lowercase letters a-z and digits 0-9 (CloudEvents extension naming), but it contains '{c}'{(char.IsUpper(c) ? " (uppercase is not allowed)" : string.Empty)}";
            }
        }

        if (IsCoreAttribute(name))
        {
            return $"'{name}' is a required CloudEvents attribute; set it through the Envelope property instead";
        }

        if (value is null)
        {
            return "a header value must not be null; remove the header instead";
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            return "a header value must not contain NUL";
        }

        // Most values are short ASCII: only count UTF-8 bytes when the length could exceed the limit.
        if (value.Length * 3 > MaxHeaderValueBytes && Encoding.UTF8.GetByteCount(value) > MaxHeaderValueBytes)
        {
            return $"a header value has at most {MaxHeaderValueBytes} UTF-8 bytes (brokers reject longer header lines)";
        }

        return null;
    }

    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && !id.Contains('\0', StringComparison.Ordinal) &&
        (id.Length * 3 <= MaxIdBytes || Encoding.UTF8.GetByteCount(id) <= MaxIdBytes);

    public static void CheckId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException(
                $"An envelope id must be a non-empty string without NUL of at most {MaxIdBytes} UTF-8 bytes.", nameof(id));
        }
    }

    private static bool IsCoreAttribute(string name) => name is
        CloudEventAttributes.Id or CloudEventAttributes.Type or CloudEventAttributes.Source or
        CloudEventAttributes.Time or CloudEventAttributes.SpecVersion or CloudEventAttributes.DataContentType or
        "data" or "datab64";
}
