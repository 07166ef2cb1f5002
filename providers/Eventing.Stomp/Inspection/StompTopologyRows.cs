using System.Globalization;
using Eventing.Providers;
using Eventing.Stomp.Topology;

namespace Eventing.Stomp.Inspection;

/// <summary>The broker-level names of an event and a listener under one topology, for <see cref="IProviderInspector.DescribeTopology"/>.</summary>
internal static class StompTopologyRows
{
    public static void Add(List<TopologyEntry> rows, StompTopology topology, ListenerDescriptor listener)
    {
        var broker = "stomp/" + topology.Kind.ToString().ToLowerInvariant();
        var subscription = topology.Subscription(listener);
        rows.Add(new(broker, TopologyEntry.Address, topology.SendDestination(listener.Event), Headers("SEND", topology.SendHeaders)));
        rows.Add(new(broker, TopologyEntry.Queue, subscription.Destination, Headers("SUBSCRIBE", subscription.Headers)));
        rows.Add(new(broker, TopologyEntry.DeadLetterQueue, topology.DeadLetterDestination(listener), Headers("SEND", topology.DeadLetterHeaders)));
    }

    private static string Headers(string frame, KeyValuePair<string, string>[] headers) =>
        headers.Length == 0
            ? string.Empty
            : frame + " headers " + string.Join(", ", Array.ConvertAll(headers, header => string.Create(CultureInfo.InvariantCulture, $"{header.Key}:{header.Value}")));
}
