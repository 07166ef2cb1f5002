namespace Eventing.Stomp.Topology;

/// <summary>What to SUBSCRIBE to for one listener: the destination and the broker-specific headers.</summary>
internal sealed record StompSubscriptionSpec(string Destination, KeyValuePair<string, string>[] Headers);
