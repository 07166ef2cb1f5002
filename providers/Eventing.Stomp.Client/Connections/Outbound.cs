namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// One item for the writer loop: a frame and, for a durable SEND, its confirmation; without a frame, either a
/// heart-beat EOL or (<paramref name="ReceiptArrived"/> not 0) the news that a run's RECEIPT came in.
/// </summary>
internal readonly record struct Outbound(QueuedFrame Frame, IReceiptWaiter? Confirmation, string? Destination, long ReceiptArrived = 0)
{
    /// <summary>A heart-beat: one EOL, which may sit between any two frames.</summary>
    public static Outbound HeartBeat => default;

    public bool HasFrame => Frame.Chunk is not null;
}
