namespace Eventing.Stomp.Client.Protocol;

/// <summary>The frame commands of STOMP 1.2, as interned strings.</summary>
internal static class StompCommands
{
    public const string Connect = "CONNECT";
    public const string Stomp = "STOMP";
    public const string Connected = "CONNECTED";
    public const string Send = "SEND";
    public const string Subscribe = "SUBSCRIBE";
    public const string Unsubscribe = "UNSUBSCRIBE";
    public const string Ack = "ACK";
    public const string Nack = "NACK";
    public const string Begin = "BEGIN";
    public const string Commit = "COMMIT";
    public const string Abort = "ABORT";
    public const string Disconnect = "DISCONNECT";
    public const string Message = "MESSAGE";
    public const string Receipt = "RECEIPT";
    public const string Error = "ERROR";

    /// <summary>Maps a command line to its interned name, or null when STOMP 1.2 has no such command.</summary>
    public static string? Parse(ReadOnlySpan<byte> line) => line switch
    {
        _ when line.SequenceEqual("MESSAGE"u8) => Message,
        _ when line.SequenceEqual("RECEIPT"u8) => Receipt,
        _ when line.SequenceEqual("SEND"u8) => Send,
        _ when line.SequenceEqual("ACK"u8) => Ack,
        _ when line.SequenceEqual("NACK"u8) => Nack,
        _ when line.SequenceEqual("ERROR"u8) => Error,
        _ when line.SequenceEqual("CONNECTED"u8) => Connected,
        _ when line.SequenceEqual("CONNECT"u8) => Connect,
        _ when line.SequenceEqual("STOMP"u8) => Stomp,
        _ when line.SequenceEqual("SUBSCRIBE"u8) => Subscribe,
        _ when line.SequenceEqual("UNSUBSCRIBE"u8) => Unsubscribe,
        _ when line.SequenceEqual("BEGIN"u8) => Begin,
        _ when line.SequenceEqual("COMMIT"u8) => Commit,
        _ when line.SequenceEqual("ABORT"u8) => Abort,
        _ when line.SequenceEqual("DISCONNECT"u8) => Disconnect,
        _ => null,
    };

    /// <summary>
    /// STOMP 1.2 leaves the headers of CONNECT and CONNECTED unescaped (older peers would not understand the
    /// escapes); every other frame escapes CR, LF, colon and backslash.
    /// </summary>
    public static bool UsesEscapes(string command) => command is not (Connect or Stomp or Connected);
}
