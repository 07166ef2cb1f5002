namespace Eventing.Stomp.Protocol;

/// <summary>The bounds the decoder enforces, so a broken or hostile peer cannot make the client buffer without end.</summary>
internal readonly record struct StompLimits(int MaxFrameBytes, int MaxHeaderCount, int MaxHeaderLineBytes)
{
    public static StompLimits Default { get; } = new(16 * 1024 * 1024, 256, 256 * 1024);
}
