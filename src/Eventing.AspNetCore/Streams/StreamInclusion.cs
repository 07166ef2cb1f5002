namespace Eventing.AspNetCore.Streams;

/// <summary>
/// One event type of a stream and how to subscribe its per-process listener. The subscription is captured as a
/// delegate at configuration time so the typed <see cref="IEventManager.SubscribeAsync{TEvent}"/> is called without reflection.
/// </summary>
internal sealed record StreamInclusion(
    Type EventType,
    string EventName,
    Func<IEventManager, string, EventStream, CancellationToken, ValueTask<IAsyncDisposable>> SubscribeAsync);
