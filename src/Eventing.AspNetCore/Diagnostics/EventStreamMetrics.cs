using System.Diagnostics.Metrics;

namespace Eventing.AspNetCore.Diagnostics;

/// <summary>Event stream instruments on the <c>Eventing</c> meter, tagged with the stream (and carrier or reason).</summary>
internal sealed class EventStreamMetrics : IDisposable
{
    public const string MeterName = "Eventing";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _disconnects;

    public EventStreamMetrics(IMeterFactory? meterFactory = null)
    {
        // The factory hands out the core's meter instance for the same name, so everything counts under one "Eventing" meter.
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateUpDownCounter<long>("eventing.streams.connections", "{connection}", "Clients connected to an event stream.");
        _pushed = _meter.CreateCounter<long>("eventing.streams.pushed", "{event}", "Events handed to a carrier for one client.");
        _dropped = _meter.CreateCounter<long>("eventing.streams.dropped", "{event}", "Events dropped from a slow client's full buffer.");
        _disconnects = _meter.CreateCounter<long>("eventing.streams.disconnects", "{connection}", "Connections that ended, by reason.");
    }

    public void Connected(string stream, string carrier) =>
        _connections.Add(1, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("carrier", carrier));

    public void Disconnected(string stream, string carrier, DisconnectReason reason)
    {
        _connections.Add(-1, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("carrier", carrier));
        _disconnects.Add(1, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("reason", ReasonTag(reason)));
    }

    public void Pushed(string stream) => _pushed.Add(1, new KeyValuePair<string, object?>("stream", stream));

    public void Dropped(string stream) => _dropped.Add(1, new KeyValuePair<string, object?>("stream", stream));

    public void Dispose() => _meter.Dispose();

    // Constant strings: an enum's ToString() would allocate per disconnect.
    internal static string ReasonTag(DisconnectReason reason) => reason switch
    {
        DisconnectReason.ClientClosed => "client_closed",
        DisconnectReason.SlowClient => "slow_client",
        DisconnectReason.Shutdown => "shutdown",
        _ => "failed",
    };
}
