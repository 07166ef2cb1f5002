using Eventing.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Streams;

/// <summary>
/// A live stream: the connections subscribed to it and the replay ring. The stream's listeners publish into it; it
/// copies each event into the buffer of every connection that may see it, never waiting for a client.
/// </summary>
internal sealed class EventStream
{
    private readonly Lock _gate = new();
    private readonly ReplayRing _ring;
    private readonly EventStreamMetrics _metrics;
    private readonly ILogger _logger;
    private EventStreamConnection[] _connections = [];
    private bool _closed;

    public EventStream(EventStreamDefinition definition, EventStreamOptions options, EventStreamMetrics metrics, ILogger logger)
    {
        Definition = definition;
        Options = options;
        _ring = new ReplayRing(options.ReplayCapacity);
        _metrics = metrics;
        _logger = logger;
    }

    public EventStreamDefinition Definition { get; }

    public EventStreamOptions Options { get; }

    public string Name => Definition.Name;

    public int ConnectionCount => Volatile.Read(ref _connections).Length;

    /// <summary>Hands one event to every connection that wants it, and keeps it for resumes.</summary>
    public void Publish(EventStreamMessage message)
    {
        List<EventStreamConnection>? slow = null;
        // Buffering happens under the lock so every connection sees events in ring order and a joining connection
        // gets each event exactly once: from its replay or from its buffer, never both, never neither. TryWrite never
        // waits, so the lock is held for microseconds even with a thousand connections.
        lock (_gate)
        {
            _ring.Add(message);
            var connections = _connections;
            for (var i = 0; i < connections.Length; i++)
            {
                var connection = connections[i];
                if (Wants(connection, message) && !connection.TryEnqueue(message) && connection.CloseReason is null)
                {
                    (slow ??= []).Add(connection);
                }
            }
        }

        if (slow is not null)
        {
            foreach (var connection in slow)
            {
                if (connection.Close(DisconnectReason.SlowClient))
                {
                    EventStreamLog.SlowClient(_logger, connection.HttpContext.TraceIdentifier, Name, Options.BufferCapacity);
                }
            }
        }
    }

    /// <summary>
    /// Adds a connection. With <paramref name="after"/> it first gets the events after that id from the ring, or a gap
    /// notice when the ring no longer holds it.
    /// </summary>
    public EventStreamConnection Connect(HttpContext context, string[]? types, string? after)
    {
        var connection = new EventStreamConnection(Definition, context, types, Options, _metrics);
        lock (_gate)
        {
            if (_closed)
            {
                connection.Close(DisconnectReason.Shutdown);
                return connection;
            }

            if (after is not null)
            {
                if (_ring.TryGetAfter(after, out var missed))
                {
                    missed.RemoveAll(message => !Wants(connection, message));
                    connection.SetResume(missed, null);
                }
                else
                {
                    connection.SetResume(null, ControlMessages.ResumeMissed(Name, after));
                }
            }

            _connections = [.. _connections, connection];
        }

        return connection;
    }

    public void Remove(EventStreamConnection connection)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_connections, connection);
            if (index < 0)
            {
                return;
            }

            // Copy on write: Publish iterates the array it read without holding a reference that could change under it.
            var rest = new EventStreamConnection[_connections.Length - 1];
            Array.Copy(_connections, 0, rest, 0, index);
            Array.Copy(_connections, index + 1, rest, index, rest.Length - index);
            _connections = rest;
        }
    }

    /// <summary>Closes every connection (host stopping) and refuses new ones.</summary>
    public int CloseAll(DisconnectReason reason)
    {
        EventStreamConnection[] connections;
        lock (_gate)
        {
            _closed = true;
            connections = _connections;
        }

        foreach (var connection in connections)
        {
            connection.Close(reason);
        }

        return connections.Length;
    }

    private bool Wants(EventStreamConnection connection, EventStreamMessage message)
    {
        try
        {
            return connection.Wants(message);
        }
        catch (Exception exception)
        {
            // A filter that throws withholds the event: when in doubt, nothing leaves the server.
            EventStreamLog.FilterFailed(_logger, exception, Name, message.Id);
            return false;
        }
    }
}
