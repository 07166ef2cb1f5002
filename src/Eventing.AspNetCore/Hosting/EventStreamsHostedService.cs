using Eventing.AspNetCore.Diagnostics;
using Eventing.AspNetCore.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eventing.AspNetCore.Hosting;

/// <summary>
/// Subscribes each stream's per-process listeners when the host starts, and closes every connection when it stops:
/// on <see cref="IHostApplicationLifetime.ApplicationStopping"/>, before Kestrel waits for requests to finish, so
/// long-lived streams never hold up the shutdown.
/// </summary>
internal sealed class EventStreamsHostedService(
    EventStreams streams,
    IEventManager events,
    IHostApplicationLifetime lifetime,
    ILogger<EventStreamsHostedService> logger) : IHostedService
{
    private readonly List<IAsyncDisposable> _subscriptions = [];
    private CancellationTokenRegistration _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var stream in streams.All)
        {
            foreach (var inclusion in stream.Definition.Inclusions)
            {
                _subscriptions.Add(await inclusion.SubscribeAsync(events, stream.Definition.ListenerName, stream, cancellationToken).ConfigureAwait(false));
            }

            EventStreamLog.Subscribed(logger, stream.Name, stream.Definition.Inclusions.Count, stream.Definition.ListenerName);
        }

        _stopping = lifetime.ApplicationStopping.Register(static state => ((EventStreamsHostedService)state!).CloseAll(), this);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        CloseAll();
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        _subscriptions.Clear();
    }

    private void CloseAll()
    {
        var closed = 0;
        foreach (var stream in streams.All)
        {
            closed += stream.CloseAll(DisconnectReason.Shutdown);
        }

        if (closed > 0)
        {
            EventStreamLog.ClosingAll(logger, closed);
        }
    }
}
