using System.Globalization;
namespace Eventing;

/// <summary>What a provider needs to know about one listener: its event, its queue and its limits.</summary>
public sealed class ListenerDescriptor
{
    /// <summary>Describes a listener. <paramref name="processId"/> is only used when <paramref name="perProcess"/> is true.</summary>
    public ListenerDescriptor(EventDescriptor @event, string name, bool perProcess, string processId, int concurrency = 1, RetryPolicy? retry = null)
    {
        ArgumentNullException.ThrowIfNull(@event);
        EventNames.CheckListener(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        Event = @event;
        Name = name;
        PerProcess = perProcess;
        ProcessId = processId;
        Concurrency = concurrency;
        Retry = retry ?? RetryPolicy.Default;
        Queue = perProcess ? $"{@event.Name}::{name}-{processId}" : $"{@event.Name}::{name}";
    }

    /// <summary>The event this listener handles.</summary>
    public EventDescriptor Event { get; }

    /// <summary>The listener name; instances with one name compete for events.</summary>
    public string Name { get; }

    /// <summary>True when every process gets every event.</summary>
    public bool PerProcess { get; }

    /// <summary>The id of this process, part of per-process queue names.</summary>
    public string ProcessId { get; }

    /// <summary>How many events this listener handles at once in this process. 1 keeps order.</summary>
    public int Concurrency { get; }

    /// <summary>How failures are retried before the envelope is dead-lettered.</summary>
    public RetryPolicy Retry { get; }

    /// <summary>The logical queue: <c>&lt;event&gt;::&lt;listener&gt;</c> or <c>&lt;event&gt;::&lt;listener&gt;-&lt;process&gt;</c>.</summary>
    public string Queue { get; }

    /// <summary>The logical dead-letter queue: <c>&lt;queue&gt;.dead-letter</c>.</summary>
    public string DeadLetterQueue => Queue + ".dead-letter";

    /// <summary>
    /// The logical queue where a delayed retry of this listener waits <paramref name="delay"/> on brokers that wait with
    /// a queue's time-to-live: <c>&lt;queue&gt;.delay.&lt;n&gt;s</c>, or <c>&lt;n&gt;ms</c> for a delay that is not whole
    /// seconds. One name for every provider, so providers on one broker share the queue.
    /// </summary>
    public string DelayQueue(TimeSpan delay) =>
        Queue + ".delay." + (delay.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)delay.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");

    /// <summary>
    /// How many unsettled deliveries the broker may push to this listener ahead of the handlers, or
    /// <see langword="null"/> for the provider's default (a multiple of <see cref="Concurrency"/>). Set through
    /// <see cref="ListenerBuilder.Prefetch"/>.
    /// </summary>
    public int? Prefetch
    {
        get => _prefetch;
        init
        {
            if (value is not null)
            {
                CheckPrefetch(value.Value);
            }

            _prefetch = value;
        }
    }

    private readonly int? _prefetch;

    /// <summary>A prefetch is 1 to 65,535: the widest range every protocol's field holds (AMQP 0-9-1's is 16 bits).</summary>
    internal static void CheckPrefetch(int prefetch, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(prefetch))] string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefetch, ushort.MaxValue, name);
    }

    /// <summary>The listener class, or <see langword="null"/> for a dynamic subscription.</summary>
    public Type? ListenerType { get; init; }

    /// <summary>Settings recorded through <see cref="ListenerBuilder.Properties"/>; empty for a dynamic subscription.</summary>
    public IReadOnlyDictionary<string, object?> Properties { get; init; } = EmptyProperties;

    private static readonly IReadOnlyDictionary<string, object?> EmptyProperties = new Dictionary<string, object?>();

    /// <inheritdoc />
    public override string ToString() => Queue;
}
