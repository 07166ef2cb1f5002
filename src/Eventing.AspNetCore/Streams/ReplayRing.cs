namespace Eventing.AspNetCore.Streams;

/// <summary>
/// The newest events of a stream, oldest overwritten first, so a reconnecting client can get what it missed.
/// Not thread-safe: the stream calls it under its lock.
/// </summary>
internal sealed class ReplayRing(int capacity)
{
    private readonly EventStreamMessage[] _items = new EventStreamMessage[capacity];
    private int _next;
    private int _count;

    public void Add(EventStreamMessage message)
    {
        if (_items.Length == 0)
        {
            return;
        }

        _items[_next] = message;
        _next = (_next + 1) % _items.Length;
        if (_count < _items.Length)
        {
            _count++;
        }
    }

    /// <summary>The events after the one with id <paramref name="id"/>, oldest first; false when the ring no longer holds that id.</summary>
    public bool TryGetAfter(string id, out List<EventStreamMessage> after)
    {
        after = [];
        // Newest first: a resuming client usually missed only the last few events.
        for (var back = 1; back <= _count; back++)
        {
            var index = (_next - back + _items.Length) % _items.Length;
            if (string.Equals(_items[index].Id, id, StringComparison.Ordinal))
            {
                for (var forward = back - 1; forward >= 1; forward--)
                {
                    after.Add(_items[(_next - forward + _items.Length) % _items.Length]);
                }

                return true;
            }
        }

        return false;
    }
}
