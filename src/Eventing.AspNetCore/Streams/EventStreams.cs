using Eventing.AspNetCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Streams;

/// <summary>Every live stream of this host, by name.</summary>
internal sealed class EventStreams
{
    private readonly Dictionary<string, EventStream> _streams = new(StringComparer.Ordinal);

    public EventStreams(EventStreamsSetup setup, IOptionsMonitor<EventStreamOptions> options, EventStreamMetrics metrics, ILogger<EventStream> logger)
    {
        foreach (var definition in setup.Streams)
        {
            _streams.Add(definition.Name, new EventStream(definition, options.Get(definition.Name), metrics, logger));
        }
    }

    public IEnumerable<EventStream> All => _streams.Values;

    public EventStream Get(string name) =>
        _streams.TryGetValue(name, out var stream)
            ? stream
            : throw new InvalidOperationException(
                $"There is no event stream \"{name}\". Define it in AddEventing: events.AddEventStreams(streams => streams.Stream(\"{name}\", s => s.Include<YourEvent>())). " +
                $"Defined: {(_streams.Count == 0 ? "none" : string.Join(", ", _streams.Keys))}.");
}
