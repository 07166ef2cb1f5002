using System.Globalization;

namespace Eventing.RabbitMq.Topology;

/// <summary>
/// Where scheduled sends wait on RabbitMQ without a plugin: a chain of delay levels per event exchange, level
/// <c>n</c> holding a message for 2<sup>n</sup> ms. A message with a delay of <c>d</c> ms waits in the levels of the
/// bits set in <c>d</c>, so 35 levels hold any delay up to 397 days to the millisecond, for every event of the
/// exchange, and each level's queue has one TTL: RabbitMQ only expires messages at a queue's head, and in a queue
/// where every message waits as long the head is always the first due.
/// </summary>
/// <remarks>
/// Each level is a headers exchange <c>eventing.delay.&lt;exchange&gt;.&lt;n&gt;</c> and a durable queue of the same
/// name. The message carries a header <c>eventing-delay-&lt;n&gt;</c> for each of its set bits: the level's exchange
/// routes it into the level's queue when its bit is set, and on to the next level down (its alternate exchange)
/// when not. The queue dead-letters expired messages to the next level down too, and level 0 to the event exchange,
/// keeping the routing key, the event's name, so the listeners' bindings route it as any other send. The routing
/// headers are not CloudEvents attributes: readers ignore them.
/// </remarks>
internal static class RabbitMqScheduleTopology
{
    /// <summary>Enough levels for <see cref="SendOptions.MaxDelay"/>: 2<sup>35</sup> − 1 ms is about 397 days.</summary>
    public const int Levels = 35;

    private const string HeaderPrefix = "eventing-delay-";

    /// <summary>The exchange and queue of one level for events published to <paramref name="exchange"/>.</summary>
    /// <remarks><c>amq.</c> names are the broker's own; the prefix keeps the chain of <c>amq.topic</c> declarable.</remarks>
    public static string LevelName(string exchange, int level) =>
        string.Create(CultureInfo.InvariantCulture, $"eventing.delay.{exchange}.{level}");

    /// <summary>Where a message goes after <paramref name="level"/>: the level below, or the event exchange after level 0.</summary>
    public static string Next(string exchange, int level) => level == 0 ? exchange : LevelName(exchange, level - 1);

    /// <summary>The delay in whole milliseconds, rounded up so that no message arrives before its time.</summary>
    public static long Milliseconds(TimeSpan delay) => Math.Max(1, (long)Math.Ceiling(delay.TotalMilliseconds));

    /// <summary>The level to publish to: the highest bit of <paramref name="milliseconds"/>.</summary>
    public static int FirstLevel(long milliseconds)
    {
        if (milliseconds <= 0 || milliseconds >= 1L << Levels)
        {
            throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds, $"A scheduled delay is 1 ms to {(1L << Levels) - 1} ms.");
        }

        return 63 - (int)long.LeadingZeroCount(milliseconds);
    }

    /// <summary>The routing headers of a delay: one per set bit.</summary>
    public static void AddRoutingHeaders(IDictionary<string, object?> headers, long milliseconds)
    {
        for (var level = 0; level < Levels; level++)
        {
            if ((milliseconds & (1L << level)) != 0)
            {
                headers[Header(level)] = "1";
            }
        }
    }

    /// <summary>How many routing headers <see cref="AddRoutingHeaders"/> adds, to size a table.</summary>
    public static int RoutingHeaderCount(long milliseconds) => (int)long.PopCount(milliseconds);

    /// <summary>The binding of a level's queue to its exchange: the level's bit is set.</summary>
    public static Dictionary<string, object?> QueueBinding(int level) => new(StringComparer.Ordinal)
    {
        ["x-match"] = "all",
        [Header(level)] = "1",
    };

    /// <summary>The declaration arguments of a level's exchange: not routed into the queue, on to the next level.</summary>
    public static Dictionary<string, object?> ExchangeArguments(string exchange, int level) => new(StringComparer.Ordinal)
    {
        ["alternate-exchange"] = Next(exchange, level),
    };

    /// <summary>The declaration arguments of a level's queue: its TTL, and on to the next level on expiry.</summary>
    public static Dictionary<string, object?> QueueArguments(string exchange, int level, RabbitMqQueueType queueType)
    {
        var arguments = RabbitMqTopology.Arguments(queueType) ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        arguments["x-message-ttl"] = 1L << level;
        arguments["x-dead-letter-exchange"] = Next(exchange, level);
        return arguments;
    }

    private static string Header(int level) => HeaderPrefix + level.ToString(CultureInfo.InvariantCulture);
}
