namespace Eventing.Stomp.Client.Connections;

/// <summary>The bytes of one queued frame inside a <see cref="FrameChunk"/>; released once, after writing.</summary>
internal readonly record struct QueuedFrame(FrameChunk Chunk, int Offset, int Length)
{
    public ReadOnlySpan<byte> Span => Chunk.Array.AsSpan(Offset, Length);

    public void Release() => Chunk.Release();
}
