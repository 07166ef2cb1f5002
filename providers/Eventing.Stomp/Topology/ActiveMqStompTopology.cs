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

    // The broker's scheduler (schedulerSupport="true" in activemq.xml; without it the header is ignored and the copy
    // arrives at once) holds the copy in its persistent job store for AMQ_SCHEDULED_DELAY ms, then puts it on the
    // listener's own Consumer.* queue, not the virtual topic, which would copy it to every other listener. A
    // per-process listener has no queue of its own to put it on.
    public override StompSendSpec? DelayedRedelivery(ListenerDescriptor listener, TimeSpan delay) =>
        listener.PerProcess
            ? null
            : new(ListenerQueueDestination(listener), [Header("AMQ_SCHEDULED_DELAY", ((long)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture))]);

    // The same scheduler holds a scheduled send, then sends it to the virtual topic as if it were sent then, so it
    // reaches the listeners' queues that exist at that time. Rounded up: never before its time. ActiveMQ itself rounds
    // the start of every schedule up to its clock's next half second (JobSchedulerImpl, "so we can schedule more jobs
    // at the same time"), so these arrive up to 500 ms after their time, plus delivery.
    public override KeyValuePair<string, string>[]? ScheduledSendHeaders(TimeSpan delay) =>
        [.. SendHeaders, Header("AMQ_SCHEDULED_DELAY", Math.Max(1, (long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture))];

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
