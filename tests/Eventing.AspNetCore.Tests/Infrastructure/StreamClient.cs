using System.Threading.Channels;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>What both test clients share: received events in a channel, read with a timeout, and how the stream ended.</summary>
internal abstract class StreamClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<ReceivedEvent> _received = Channel.CreateUnbounded<ReceivedEvent>();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the server ended the stream (close frame, end of response, or a broken connection).</summary>
    public Task Ended => _ended.Task;

    public async Task<ReceivedEvent> NextAsync()
    {
        try
        {
            return await _received.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The stream ended before the next event ({EndReason}).");
        }
    }

    /// <summary>Reads events until one satisfies <paramref name="last"/>; returns all of them, that one included.</summary>
    public async Task<List<ReceivedEvent>> ReadUntilAsync(Func<ReceivedEvent, bool> last)
    {
        var events = new List<ReceivedEvent>();
        while (true)
        {
            var next = await NextAsync();
            events.Add(next);
            if (last(next))
            {
                return events;
            }
        }
    }

    /// <summary>
    /// Reads until every one of <paramref name="seqs"/> came; returns all events read. For events of several types,
    /// whose relative order is not kept (each type has its own listener queue).
    /// </summary>
    public async Task<List<ReceivedEvent>> ReadUntilAllAsync(params int[] seqs)
    {
        var missing = new HashSet<int>(seqs);
        return await ReadUntilAsync(e =>
        {
            missing.Remove(e.Seq);
            return missing.Count == 0;
        });
    }

    public bool TryPeekAny() => _received.Reader.TryPeek(out _);

    public string EndReason { get; private set; } = "open";

    protected void Received(ReceivedEvent received) => _received.Writer.TryWrite(received);

    protected void End(string reason)
    {
        EndReason = reason;
        _received.Writer.TryComplete();
        _ended.TrySetResult();
    }

    public abstract ValueTask DisposeAsync();
}
