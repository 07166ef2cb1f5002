namespace Eventing.Stomp.Topology;

/// <summary>What to SUBSCRIBE to for one listener: the destination and the broker-specific headers.</summary>
internal sealed record StompSubscriptionSpec(string Destination, KeyValuePair<string, string>[] Headers);

/// <summary>Where to SEND something other than an event (a delayed retry): the destination and the broker-specific headers.</summary>
internal sealed record StompSendSpec(string Destination, KeyValuePair<string, string>[] Headers);
