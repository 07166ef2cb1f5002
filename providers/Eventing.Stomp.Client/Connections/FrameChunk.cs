using System.Buffers;

namespace Eventing.Stomp.Client.Connections;

/// <summary>
/// A pooled array that queued frames are copied into, one after another, counted by reference: the array goes
/// back to the pool once the writer loop wrote (or dropped) every frame in it and the arena moved on.
/// </summary>
internal sealed class FrameChunk
{
    private byte[] _array;
    private int _references = 1;

    private FrameChunk(int size)
    {
        _array = ArrayPool<byte>.Shared.Rent(size);
    }

    public byte[] Array => _array;

    /// <summary>A chunk of at least <paramref name="size"/> bytes, held once by its creator.</summary>
    public static FrameChunk Rent(int size) => new(size);

    /// <summary>One more frame in the chunk; only while the caller still holds a reference.</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops one reference; the last returns the array.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            var array = _array;
            _array = [];
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
