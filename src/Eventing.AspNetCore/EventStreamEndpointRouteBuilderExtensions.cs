using Eventing.AspNetCore.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps event streams to routes.</summary>
public static class EventStreamEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves stream <paramref name="stream"/> at <paramref name="pattern"/>: a WebSocket (subprotocol
    /// <c>cloudevents.json</c>) or Server-Sent Events on the same route. Query <c>types=a,b</c> narrows to some event
    /// types; <c>after=&lt;id&gt;</c> or the <c>Last-Event-ID</c> header resumes. WebSockets need
    /// <c>app.UseWebSockets()</c> before it.
    /// </summary>
    /// <returns>The endpoint, for conventions such as <c>.RequireAuthorization("staff")</c> (checked before any upgrade).</returns>
    /// <example><c>app.MapEventStream("orders", "/events/orders").RequireAuthorization("staff");</c></example>
    public static IEndpointConventionBuilder MapEventStream(this IEndpointRouteBuilder endpoints, string stream, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var endpoint = endpoints.ServiceProvider.GetService<EventStreamEndpoint>()
            ?? throw new InvalidOperationException(
                $"MapEventStream(\"{stream}\", \"{pattern}\") needs the event streams: call events.AddEventStreams(streams => streams.Stream(\"{stream}\", ...)) inside AddEventing.");
        // Fails here, at startup, for a stream name that was never defined.
        var eventStream = endpoint.GetStream(stream);
        return endpoints.MapGet(pattern, context => endpoint.HandleAsync(context, eventStream))
            .WithDisplayName("Event stream " + stream);
    }
}
