using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Carriers;

/// <summary>
/// Server-Sent Events through ASP.NET Core's built-in SSE result: <c>id:</c> is the CloudEvent id (so the browser's
/// <c>Last-Event-ID</c> resumes), <c>event:</c> its type, <c>data:</c> the structured CloudEvent on one line.
/// </summary>
internal sealed class ServerSentEventsCarrier : IEventStreamCarrier
{
    public string Name => "sse";

    // Any plain GET: EventSource sends Accept: text/event-stream, but curl and fetch need not.
    public bool CanHandle(HttpContext context) => !context.WebSockets.IsWebSocketRequest && HttpMethods.IsGet(context.Request.Method);

    public async Task<DisconnectReason> RunAsync(EventStreamConnection connection, CancellationToken cancellationToken)
    {
        var result = TypedResults.ServerSentEvents(ToItems(connection, cancellationToken));
        // Proxies (nginx) buffer responses unless told otherwise; a buffered event stream is no stream.
        connection.HttpContext.Response.Headers["X-Accel-Buffering"] = "no";
        await result.ExecuteAsync(connection.HttpContext).ConfigureAwait(false);
        return connection.CloseReason ?? DisconnectReason.ClientClosed;
    }

    private static async IAsyncEnumerable<SseItem<string>> ToItems(EventStreamConnection connection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The result has set its headers by the time it asks for the first item. Send them now: otherwise a client
        // waits for the response (EventSource stays "connecting") until the first event, which may be minutes away.
        await connection.HttpContext.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var message in connection.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new SseItem<string>(message.Text, message.Type) { EventId = message.Id };
        }
    }
}
