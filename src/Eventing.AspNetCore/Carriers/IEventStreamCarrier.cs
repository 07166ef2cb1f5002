using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore;

/// <summary>
/// Moves a stream's messages to one client over some transport. WebSocket and Server-Sent Events are built in; add
/// others (SignalR, long polling) with <see cref="EventStreamsBuilder.AddCarrier{TCarrier}"/>. The first carrier whose
/// <see cref="CanHandle"/> is true serves a request; added carriers are asked before the built-in ones.
/// </summary>
/// <example>
/// <code>
/// public sealed class NdjsonCarrier : IEventStreamCarrier
/// {
///     public string Name =&gt; "ndjson";
///     public bool CanHandle(HttpContext context) =&gt; context.Request.Headers.Accept == "application/x-ndjson";
///     public async Task&lt;DisconnectReason&gt; RunAsync(EventStreamConnection connection, CancellationToken ct)
///     {
///         var body = connection.HttpContext.Response.Body;
///         await foreach (var message in connection.ReadAllAsync(ct))
///         {
///             await body.WriteAsync(message.Utf8Json, ct);
///             await body.WriteAsync("\n"u8.ToArray(), ct);
///             await body.FlushAsync(ct);
///         }
///         return connection.CloseReason ?? DisconnectReason.ClientClosed;
///     }
/// }
/// </code>
/// </example>
public interface IEventStreamCarrier
{
    /// <summary>A short name for logs and the <c>carrier</c> tag of the connections metric.</summary>
    string Name { get; }

    /// <summary>True when this carrier speaks the protocol the request asks for.</summary>
    bool CanHandle(HttpContext context);

    /// <summary>
    /// Sends <see cref="EventStreamConnection.ReadAllAsync"/> to the client until either side ends the connection.
    /// When the server ends it (<see cref="EventStreamConnection.CloseReason"/> set), close the transport gracefully.
    /// </summary>
    /// <param name="connection">The client's subscription.</param>
    /// <param name="cancellationToken">The request's token: the client went away.</param>
    /// <returns>Why the connection ended, as far as the carrier can tell.</returns>
    Task<DisconnectReason> RunAsync(EventStreamConnection connection, CancellationToken cancellationToken);
}
