using Eventing.Diagnostics;
using Eventing.Listeners;
using Eventing.Providers;
using Microsoft.Extensions.Logging;

namespace Eventing.Hosting;

/// <summary>A running listener: the core's dispatcher plus the provider's consumer. Disposing it stops delivery gracefully.</summary>
internal sealed class ListenerSubscription(
    ListenerDescriptor listener,
    ListenerDispatcher dispatcher,
    IProviderSubscription providerSubscription,
    EventBus bus,
    ILogger logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Task? _stopping;

    public ListenerDescriptor Listener { get; } = listener;

    public Task StopAsync(TimeSpan shutdownTimeout)
    {
        lock (_gate)
        {
            return _stopping ??= StopCoreAsync(shutdownTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        bus.Forget(this);
        await bus.StopSubscriptionAsync(this).ConfigureAwait(false);
    }

    private async Task StopCoreAsync(TimeSpan shutdownTimeout)
    {
        // Order matters: refuse new deliveries first (they are requeued), then stop the consumer so the broker
        // sends no more, then let in-flight handlers finish, and only then close the consumer's channel.
        dispatcher.BeginStop();
        await providerSubscription.StopReceivingAsync(CancellationToken.None).ConfigureAwait(false);
        await dispatcher.DrainAsync(shutdownTimeout).ConfigureAwait(false);
        await providerSubscription.DisposeAsync().ConfigureAwait(false);
        dispatcher.Dispose();
        Log.Unsubscribed(logger, Listener.Queue);
    }
}
