using System.Net.WebSockets;
using Eventing.AspNetCore.Diagnostics;
using Eventing.AspNetCore.Streams;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Endpoints;

/// <summary>
/// Serves a stream's route: picks the carrier, reads the narrowing (<c>?types=</c>) and resume (<c>?after=</c> or
/// <c>Last-Event-ID</c>) of the request, connects it to the stream and runs the carrier until the connection ends.
/// Authorization ran before (endpoint policies), so an unauthenticated request never gets here.
/// </summary>
internal sealed class EventStreamEndpoint(
    EventStreams streams,
    IEnumerable<IEventStreamCarrier> carriers,
    EventStreamMetrics metrics,
    ILogger<EventStreamEndpoint> logger)
{
    private readonly IEventStreamCarrier[] _carriers = [.. carriers];

    public EventStream GetStream(string name) => streams.Get(name);

    public async Task HandleAsync(HttpContext context, EventStream stream)
    {
        var carrier = FindCarrier(context);
        if (carrier is null)
        {
            await RejectAsync(context, "No carrier serves this request: open a WebSocket with subprotocol cloudevents.json, or GET it as Server-Sent Events (text/event-stream).").ConfigureAwait(false);
            return;
        }

        if (!TryReadTypes(context, stream.Definition, out var types, out var unknown))
        {
            await RejectAsync(context, $"Stream \"{stream.Name}\" has no event type \"{unknown}\"; ?types= takes a comma-separated list of: {string.Join(", ", stream.Definition.Inclusions.Select(i => i.EventName))}.").ConfigureAwait(false);
            return;
        }

        // The header wins: EventSource sends it on every reconnect, newer than an ?after= the page put in its URL.
        string? after = context.Request.Headers["Last-Event-ID"];
        if (string.IsNullOrEmpty(after))
        {
            after = context.Request.Query["after"];
        }

        using var connection = stream.Connect(context, types, string.IsNullOrEmpty(after) ? null : after);
        var id = context.TraceIdentifier;
        metrics.Connected(stream.Name, carrier.Name);
        EventStreamLog.Connected(logger, id, stream.Name, carrier.Name);
        var reason = DisconnectReason.Failed;
        // A carrier stuck writing to a client that stopped reading is cut off once the close timeout passed.
        var abort = connection.Aborted.Register(static state => ((HttpContext)state!).Abort(), context);
        try
        {
            reason = await carrier.RunAsync(connection, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || connection.Aborted.IsCancellationRequested)
        {
            reason = DisconnectReason.ClientClosed;
        }
        catch (Exception exception) when (exception is IOException or WebSocketException or ConnectionResetException or ConnectionAbortedException)
        {
            if (connection.CloseReason is null)
            {
                EventStreamLog.Failed(logger, exception, id, stream.Name);
            }
        }
        finally
        {
            await abort.DisposeAsync().ConfigureAwait(false);
            stream.Remove(connection);
            var final = connection.CloseReason ?? reason;
            metrics.Disconnected(stream.Name, carrier.Name, final);
            EventStreamLog.Disconnected(logger, id, stream.Name, EventStreamMetrics.ReasonTag(final));
        }
    }

    private IEventStreamCarrier? FindCarrier(HttpContext context)
    {
        foreach (var carrier in _carriers)
        {
            if (carrier.CanHandle(context))
            {
                return carrier;
            }
        }

        return null;
    }

    private static bool TryReadTypes(HttpContext context, EventStreamDefinition definition, out string[]? types, out string? unknown)
    {
        types = null;
        unknown = null;
        var values = context.Request.Query["types"];
        if (values.Count == 0)
        {
            return true;
        }

        var names = new List<string>();
        foreach (var value in values)
        {
            foreach (var name in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!definition.Includes(name))
                {
                    unknown = name;
                    return false;
                }

                names.Add(name);
            }
        }

        types = names.Count == 0 ? null : [.. names];
        return true;
    }

    private static async Task RejectAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, context.RequestAborted).ConfigureAwait(false);
    }
}
