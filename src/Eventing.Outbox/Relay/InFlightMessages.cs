using System.Collections.Concurrent;

namespace Eventing.Outbox.Relay;

/// <summary>
/// Rows this process is sending right after commit, so its own relay does not send them a second time when a send
/// takes longer than the grace period.
/// </summary>
internal sealed class InFlightMessages
{
    private readonly ConcurrentDictionary<long, byte> _sequences = new();

    public void Add(IReadOnlyList<PendingMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            _sequences.TryAdd(messages[i].Record.Sequence, 0);
        }
    }

    public void Remove(IReadOnlyList<PendingMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            _sequences.TryRemove(messages[i].Record.Sequence, out _);
        }
    }

    public bool Contains(long sequence) => !_sequences.IsEmpty && _sequences.ContainsKey(sequence);
}
