using System.Collections.Concurrent;
using Eventing.Local;

namespace Eventing;

/// <summary>
/// The in-memory broker behind <c>UseLocal()</c>. Each service provider gets its own unless one is shared through
/// <see cref="LocalProviderOptions.Broker"/>: hosts that share a broker behave like processes on one real broker
/// (same-name listeners compete, per-process listeners each get a copy). Dead-letters stay here for inspection.
/// </summary>
public sealed class LocalBroker
{
    private readonly ConcurrentDictionary<string, LocalQueue[]> _bindings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LocalQueue> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Envelope>> _deadLetters = new(StringComparer.Ordinal);
    private readonly Lock _binding = new();
    private TaskCompletionSource _deadLettered = NewSignal();

    /// <summary>Creates a broker whose queues hold at most <paramref name="queueCapacity"/> envelopes each.</summary>
    public LocalBroker(int queueCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        QueueCapacity = queueCapacity;
    }

    /// <summary>How many envelopes a queue holds before senders wait (backpressure).</summary>
    public int QueueCapacity { get; }

    /// <summary>The envelopes dead-lettered from a listener queue (by its logical name, <c>&lt;event&gt;::&lt;listener&gt;</c>).</summary>
    public IReadOnlyList<Envelope> GetDeadLetters(string queue) =>
        _deadLetters.TryGetValue(queue + ".dead-letter", out var letters) ? [.. letters] : [];

    /// <summary>Waits until a listener queue has at least <paramref name="count"/> dead-letters, then returns them all.</summary>
    public async Task<IReadOnlyList<Envelope>> WaitForDeadLettersAsync(string queue, int count, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _deadLettered);
            var letters = GetDeadLetters(queue);
            if (letters.Count >= count)
            {
                return letters;
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How many envelopes wait in a queue.</summary>
    public int GetQueueDepth(string queue) => _queues.TryGetValue(queue, out var found) ? found.Depth : 0;

    /// <summary>True while a queue exists.</summary>
    public bool HasQueue(string queue) => _queues.ContainsKey(queue);

    internal LocalQueue Bind(string queue, string address, bool autoDelete)
    {
        lock (_binding)
        {
            var declared = Declare(queue, address, autoDelete);
            declared.AddConsumer();
            return declared;
        }
    }

    /// <summary>Creates the queue and binds it to its address, if it does not exist yet; it keeps what is sent until a consumer comes.</summary>
    internal LocalQueue Declare(string queue, string address, bool autoDelete)
    {
        lock (_binding)
        {
            if (_queues.TryGetValue(queue, out var existing))
            {
                return existing;
            }

            var created = new LocalQueue(queue, address, QueueCapacity, autoDelete);
            _queues[queue] = created;
            _bindings[address] = _bindings.TryGetValue(address, out var bound) ? [.. bound, created] : [created];
            return created;
        }
    }

    internal void Release(LocalQueue queue)
    {
        lock (_binding)
        {
            if (queue.RemoveConsumer() > 0 || !queue.AutoDelete)
            {
                return;
            }

            _queues.TryRemove(queue.Name, out _);
            if (_bindings.TryGetValue(queue.Address, out var bound))
            {
                _bindings[queue.Address] = Array.FindAll(bound, candidate => !ReferenceEquals(candidate, queue));
            }

            queue.Complete();
        }
    }

    /// <summary>
    /// Puts <paramref name="envelope"/> on <paramref name="queue"/> after <paramref name="delay"/>, on a timer: in
    /// process there is no broker to wait for us, and, as with every local message, a process that ends loses it.
    /// </summary>
    internal void EnqueueLater(string queue, Envelope envelope, TimeSpan delay) => _ = EnqueueAfterAsync(queue, envelope, delay);

    private async Task EnqueueAfterAsync(string queue, Envelope envelope, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        if (_queues.TryGetValue(queue, out var found))
        {
            await found.EnqueueAsync(envelope, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes to <paramref name="address"/> once <paramref name="dueAt"/> has come, to the queues bound then.</summary>
    internal void PublishAt(Envelope envelope, string address, DateTimeOffset dueAt) => _ = PublishAtAsync(envelope, address, dueAt);

    private async Task PublishAtAsync(Envelope envelope, string address, DateTimeOffset dueAt)
    {
        // Task.Delay may wake a little early on a coarse clock, and takes at most about 49 days: wait in steps of at
        // most a day until the clock says it is time, so a scheduled event never arrives before it.
        for (var wait = dueAt - DateTimeOffset.UtcNow; wait > TimeSpan.Zero; wait = dueAt - DateTimeOffset.UtcNow)
        {
            await Task.Delay(wait < TimeSpan.FromDays(1) ? wait : TimeSpan.FromDays(1)).ConfigureAwait(false);
        }

        await PublishAsync(envelope, address, CancellationToken.None).ConfigureAwait(false);
    }

    internal ValueTask PublishAsync(Envelope envelope, string address, CancellationToken cancellationToken)
    {
        if (!_bindings.TryGetValue(address, out var queues) || queues.Length == 0)
        {
            // Like a topic exchange with no bindings: nobody listens, nothing is kept.
            return default;
        }

        if (queues.Length == 1)
        {
            return queues[0].EnqueueAsync(envelope, cancellationToken);
        }

        return PublishToManyAsync(envelope, queues, cancellationToken);
    }

    internal void DeadLetter(string deadLetterQueue, Envelope envelope)
    {
        _deadLetters.GetOrAdd(deadLetterQueue, static _ => new ConcurrentQueue<Envelope>()).Enqueue(envelope);
        Interlocked.Exchange(ref _deadLettered, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async ValueTask PublishToManyAsync(Envelope envelope, LocalQueue[] queues, CancellationToken cancellationToken)
    {
        // Every queue gets its own copy, as on a broker: a pipeline changing headers in one listener
        // must not show up in another.
        for (var i = 0; i < queues.Length; i++)
        {
            var copy = i == 0 ? envelope : envelope.Clone();
            await queues[i].EnqueueAsync(copy, cancellationToken).ConfigureAwait(false);
        }
    }
}
