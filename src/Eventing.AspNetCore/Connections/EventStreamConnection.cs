using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.Channels;
using Eventing.AspNetCore.Diagnostics;
using Eventing.AspNetCore.Streams;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore;

/// <summary>
/// One client's subscription to a stream, as a carrier sees it: read the messages with <see cref="ReadAllAsync"/> and
/// send each to the client. The stream fills a bounded buffer and never waits for the client.
/// </summary>
public sealed class EventStreamConnection : IDisposable
{
    // 0 while open; once closing, the DisconnectReason + 1, so the reason and the state change in one write.
    private const int Open = 0;

    private readonly Channel<EventStreamMessage> _buffer;
    private readonly EventStreamDefinition _definition;
    private readonly string[]? _types;
    private readonly EventStreamMetrics _metrics;
    private readonly CancellationTokenSource _abort = new();
    private readonly TimeSpan _closeTimeout;
    private List<EventStreamMessage>? _replay;
    private EventStreamMessage? _resumeGap;
    private long _dropped;
    private int _state;

    internal EventStreamConnection(
        EventStreamDefinition definition,
        HttpContext httpContext,
        string[]? types,
        EventStreamOptions options,
        EventStreamMetrics metrics)
    {
        _definition = definition;
        HttpContext = httpContext;
        _types = types;
        _metrics = metrics;
        Options = options;
        _closeTimeout = options.CloseTimeout;
        var channelOptions = new BoundedChannelOptions(options.BufferCapacity)
        {
            SingleReader = true,
            // The stream writes under its lock, so there is one writer at a time.
            SingleWriter = true,
            // Measured with 1,000 clients: inline continuations make the publishing thread run every carrier's send,
            // and p50 at 10,000 pushes/s went from ~25 ms to over a second. Each reader wakes on the thread pool.
            AllowSynchronousContinuations = false,
            FullMode = options.SlowClientPolicy == SlowClientPolicy.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
        };
        _buffer = options.SlowClientPolicy == SlowClientPolicy.DropOldest
            ? Channel.CreateBounded<EventStreamMessage>(channelOptions, OnDropped)
            : Channel.CreateBounded<EventStreamMessage>(channelOptions);
    }

    /// <summary>The stream's name.</summary>
    public string StreamName => _definition.Name;

    /// <summary>The stream's settings (ping interval, close timeout) for the carrier; treat them as read-only.</summary>
    public EventStreamOptions Options { get; }

    /// <summary>The request that opened the connection.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The authenticated user; the stream's per-user filters judge every event against it.</summary>
    public ClaimsPrincipal User => HttpContext.User;

    /// <summary>Why the server ends the connection (<see cref="DisconnectReason.Shutdown"/>, <see cref="DisconnectReason.SlowClient"/>); null while it stays open.</summary>
    public DisconnectReason? CloseReason => Volatile.Read(ref _state) is var state and not Open ? (DisconnectReason)(state - 1) : null;

    /// <summary>
    /// Cancelled <see cref="EventStreamOptions.CloseTimeout"/> after the server began closing the connection: a send
    /// still pending then (a client that stopped reading) is abandoned. Pass it, with the request's token, to sends.
    /// </summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>
    /// The messages for this client: a resume's replay (or a gap notice), then live events, with an <c>eventing.gap</c>
    /// notice wherever a full buffer dropped some. Ends when the server closes the connection.
    /// </summary>
    public async IAsyncEnumerable<EventStreamMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_resumeGap is { } gap)
        {
            _resumeGap = null;
            yield return gap;
        }

        if (_replay is { } replay)
        {
            _replay = null;
            foreach (var message in replay)
            {
                _metrics.Pushed(_definition.Name);
                yield return message;
            }
        }

        var reader = _buffer.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                if (CloseReason is not null)
                {
                    // Closing: whatever is still buffered is not worth the wait.
                    yield break;
                }

                var dropped = Interlocked.Exchange(ref _dropped, 0);
                if (dropped > 0)
                {
                    yield return ControlMessages.Dropped(_definition.Name, dropped);
                }

                _metrics.Pushed(_definition.Name);
                yield return message;
            }
        }
    }

    /// <summary>Releases the connection's timer.</summary>
    public void Dispose() => _abort.Dispose();

    internal void SetResume(List<EventStreamMessage>? replay, EventStreamMessage? gap)
    {
        _replay = replay;
        _resumeGap = gap;
    }

    /// <summary>Would this client get this event? Narrowed types first (cheap), then the stream's user filters.</summary>
    internal bool Wants(EventStreamMessage message)
    {
        if (_types is not null && Array.IndexOf(_types, message.Type) < 0)
        {
            return false;
        }

        return message.Event is null || _definition.IsVisible(message.Event, User);
    }

    /// <summary>Buffers a message without waiting; false when the buffer is full under <see cref="SlowClientPolicy.Disconnect"/>.</summary>
    internal bool TryEnqueue(EventStreamMessage message) => _buffer.Writer.TryWrite(message);

    /// <summary>Starts closing from the server side: the reader ends, a pending send is abandoned after the close timeout.</summary>
    internal bool Close(DisconnectReason reason)
    {
        if (Interlocked.CompareExchange(ref _state, (int)reason + 1, Open) != Open)
        {
            return false;
        }

        _buffer.Writer.TryComplete();
        try
        {
            _abort.CancelAfter(_closeTimeout);
        }
        catch (ObjectDisposedException)
        {
            // The carrier already finished; nothing is left to abort.
        }

        return true;
    }

    private void OnDropped(EventStreamMessage message)
    {
        Interlocked.Increment(ref _dropped);
        _metrics.Dropped(_definition.Name);
    }
}
