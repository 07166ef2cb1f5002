namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// Where a connection keeps the frames queued for its writer loop: each is copied, back to back, into a shared
/// pooled chunk, and the caller's encoding buffer goes back to the pool at once, on the caller's thread.
/// </summary>
/// <remarks>
/// Thousands of sends can be queued before the writer catches up (a slower broker pushes back on the socket).
/// Kept in a pooled array each, they outnumbered what the shared array pool holds, so every frame beyond that
/// cost a fresh array twice its size; back to back in 64 KiB chunks, queued frames cost their own bytes and the
/// chunks come back from the pool.
/// </remarks>
internal sealed class FrameArena
{
    private const int ChunkBytes = 64 * 1024;

    // A larger frame gets a chunk of its own, so a chunk never wastes more than this at its end.
    private const int MaxSharedFrameBytes = ChunkBytes / 8;

    private readonly Lock _gate = new();
    private FrameChunk? _current;
    private int _used;

    /// <summary>Copies <paramref name="frame"/> into the arena; the caller releases the result once.</summary>
    public QueuedFrame Copy(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > MaxSharedFrameBytes)
        {
            var own = FrameChunk.Rent(frame.Length);
            frame.CopyTo(own.Array);
            return new QueuedFrame(own, 0, frame.Length);
        }

        lock (_gate)
        {
            if (_current is null || _current.Array.Length - _used < frame.Length)
            {
                // The arena's own reference keeps the count above zero while frames are still being added.
                _current?.Release();
                _current = FrameChunk.Rent(ChunkBytes);
                _used = 0;
            }

            _current.AddReference();
            frame.CopyTo(_current.Array.AsSpan(_used));
            var queued = new QueuedFrame(_current, _used, frame.Length);
            _used += frame.Length;
            return queued;
        }
    }

    /// <summary>Drops the arena's reference to its chunk; frames still queued keep it alive until released.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _current?.Release();
            _current = null;
        }
    }
}
