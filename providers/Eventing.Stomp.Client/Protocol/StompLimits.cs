namespace Eventing.Stomp.Client.Protocol;

/// <summary>The bounds the decoder enforces, so a broken or hostile peer cannot make the client buffer without end.</summary>
internal readonly record struct StompLimits(int MaxFrameBytes, int MaxHeaderCount, int MaxHeaderLineBytes)
{
    public static StompLimits Default { get; } = new(16 * 1024 * 1024, 256, 256 * 1024);

    /// <summary>
    /// The longest header line (escaped, without LF) the client sends. ActiveMQ Classic refuses a longer line
    /// (its StompWireFormat MAX_HEADER_LENGTH, 10 KiB) and closes the connection, which would fail every send
    /// in flight on the shared sender connection; RabbitMQ accepts more. The core's 8 KiB value limit fits
    /// unless escaping doubles the value.
    /// </summary>
    public const int MaxSentHeaderLineBytes = 10 * 1024;
}
