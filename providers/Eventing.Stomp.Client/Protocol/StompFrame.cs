namespace Eventing.Stomp.Client.Protocol;

/// <summary>
/// One decoded STOMP frame. Headers keep their wire order with repeats removed (STOMP 1.2: the first occurrence
/// of a header wins). The body is the frame's own copy.
/// </summary>
internal sealed class StompFrame
{
    public StompFrame(
        string command, List<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, List<string>? droppedHeaders = null, Exception? problem = null)
    {
        Command = command;
        Headers = headers;
        Body = body;
        DroppedHeaders = droppedHeaders;
        Problem = problem;
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

    /// <summary>
    /// Why this MESSAGE could not be read whole although it could be delimited: an <see cref="EnvelopeTooLargeException"/>
    /// (too many headers, a header line or body over a limit; such a body is dropped, <see cref="Body"/> is empty) or
    /// a <see cref="MalformedEnvelopeException"/> (a header line that breaks STOMP 1.2). Null for a sound frame.
    /// The core dead-letters such a message; the connection stays up.
    /// </summary>
    public Exception? Problem { get; }

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
