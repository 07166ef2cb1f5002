using System.Globalization;
using System.Text;

namespace Eventing.Stomp.Topology;

/// <summary>
/// ActiveMQ Classic: virtual topics. A SEND to <c>/topic/VirtualTopic.&lt;event&gt;</c> reaches every
/// <c>/queue/Consumer.&lt;listener&gt;.VirtualTopic.&lt;event&gt;</c> queue; consumers of one queue compete.
/// Per-process listeners subscribe to the topic itself, so every live process gets a copy and nothing piles up
/// after a process leaves (ActiveMQ never deletes an abandoned queue by itself).
/// </summary>
internal sealed class ActiveMqStompTopology : StompTopology
{
    public override StompTopologyKind Kind => StompTopologyKind.ActiveMq;

    public override string? PrefetchHeader => "activemq.prefetchSize";

    public override bool NackRequeues => false;

    // ActiveMQ creates a queue for its first consumer and keeps it, and a virtual topic copies each event into every
    // Consumer.*.VirtualTopic.<event> queue that exists, consumed or not. A selector no message matches (no message
    // carries this property) creates the queue without taking anything from it.
    protected override KeyValuePair<string, string>[] ProvisioningHeaders => [Header("selector", "eventing_provisioning = 'never'")];

    public override string SendDestination(EventDescriptor @event) => "/topic/VirtualTopic." + CheckEvent(@event.Name);

    public override StompSubscriptionSpec Subscription(ListenerDescriptor listener)
    {
        var @event = CheckEvent(listener.Event.Name);
        return listener.PerProcess
            ? new StompSubscriptionSpec("/topic/VirtualTopic." + @event, [])
            : new StompSubscriptionSpec($"/queue/Consumer.{EscapeConsumerName(listener.Name)}.VirtualTopic.{@event}", []);
    }

    /// <summary>
    /// The consumer group of a virtual topic is one name segment: ActiveMQ splits destination names at dots and
    /// reads <c>*</c>, <c>&gt;</c> and <c>,</c> as wildcards and lists. Every character outside
    /// <c>A-Z a-z 0-9 -</c> becomes <c>_XX</c> (its UTF-8 bytes in hex), which keeps distinct names distinct:
    /// <c>billing.eu</c> → <c>billing_2Eeu</c>, <c>a_b</c> → <c>a_5Fb</c>.
    /// </summary>
    public static string EscapeConsumerName(string name)
    {
        var plain = true;
        foreach (var c in name)
        {
            if (!IsPlain(c))
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (IsPlain(c))
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < name.Length
                ? Encoding.UTF8.GetBytes(name.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(name.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('_').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsPlain(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-';

    // Dots in event names are fine (they are the hierarchy of the virtual topic), but a comma would make a
    // composite destination and '>' a wildcard.
    private static string CheckEvent(string name) =>
        name.AsSpan().IndexOfAny(",>") >= 0
            ? throw new EventRegistrationException(
                $"Event name '{name}' contains ',' or '>', which ActiveMQ reads as a destination list or wildcard. Use letters, digits, '.', '-' and '_'.")
            : name;
}
