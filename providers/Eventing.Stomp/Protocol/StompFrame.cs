namespace Eventing.Stomp.Protocol;

/// <summary>
/// One decoded STOMP frame. Headers keep their wire order with repeats removed (STOMP 1.2: the first occurrence
/// of a header wins). The body is the frame's own copy.
/// </summary>
internal sealed class StompFrame
{
    public StompFrame(string command, List<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, List<string>? droppedHeaders = null)
    {
        Command = command;
        Headers = headers;
        Body = body;
        DroppedHeaders = droppedHeaders;
    }

    public string Command { get; }

    public List<KeyValuePair<string, string>> Headers { get; }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>
    /// Names of headers that were dropped because their name or value is not valid UTF-8 or holds NUL (for
    /// instance RabbitMQ's binary <c>x-amqp-1.0-*</c> headers); <c>(undecodable)</c> when the name itself is.
    /// Null when nothing was dropped.
    /// </summary>
    public List<string>? DroppedHeaders { get; }

    /// <summary>The value of a header, or null.</summary>
    public string? this[string name]
    {
        get
        {
            var headers = Headers;
            for (var i = 0; i < headers.Count; i++)
            {
                if (string.Equals(headers[i].Key, name, StringComparison.Ordinal))
                {
                    return headers[i].Value;
                }
            }

            return null;
        }
    }

    public override string ToString() => $"{Command} ({Headers.Count} headers, {Body.Length} bytes)";
}
