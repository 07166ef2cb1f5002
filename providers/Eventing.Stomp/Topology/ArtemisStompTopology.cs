namespace Eventing.Stomp.Topology;

/// <summary>
/// ActiveMQ Artemis: SEND to the multicast address <c>&lt;event&gt;</c>; SUBSCRIBE to the fully qualified queue
/// name <c>&lt;event&gt;::&lt;queue&gt;</c>, which Artemis creates on that address (it splits at the first
/// <c>::</c>, so the <c>::</c> inside the logical queue name survives). Dead letters go to an anycast address.
/// No Artemis runs in this repository's tests, so this mapping is unit-tested only.
/// </summary>
internal sealed class ArtemisStompTopology : StompTopology
{
    private static readonly KeyValuePair<string, string>[] Multicast = [Header("destination-type", "MULTICAST")];

    public override StompTopologyKind Kind => StompTopologyKind.Artemis;

    // Artemis bounds consumers by bytes (consumer-window-size), not by a message count.
    public override string? PrefetchHeader => null;

    public override bool NackRequeues => false;

    private static readonly KeyValuePair<string, string>[] Anycast = [Header("destination-type", "ANYCAST")];

    public override KeyValuePair<string, string>[] SendHeaders => Multicast;

    // A dead-letter queue is a point-to-point queue; sent as multicast it would reach no queue and be lost.
    public override KeyValuePair<string, string>[] DeadLetterHeaders => Anycast;

    public override string SendDestination(EventDescriptor @event) => @event.Name;

    public override StompSubscriptionSpec Subscription(ListenerDescriptor listener) =>
        new($"{listener.Event.Name}::{listener.Queue}", [Header("subscription-type", "MULTICAST")]);

    public override string DeadLetterDestination(ListenerDescriptor listener) => listener.DeadLetterQueue;

    // destination-type is a SEND header; a SUBSCRIBE names the routing type with subscription-type. Artemis deletes
    // an auto-created queue once it has neither consumers nor messages unless its address settings say
    // auto-delete-queues=false: set that for listeners that are provisioned before they run.
    public override StompSubscriptionSpec DeadLetterSubscription(ListenerDescriptor listener) =>
        new(listener.DeadLetterQueue, [Header("subscription-type", "ANYCAST")]);
}
