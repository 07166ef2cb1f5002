using Eventing.Providers;

namespace Eventing.Conformance;

/// <summary>A core stand-in for provider-level tests: takes each delivery of a subscription, in order.</summary>
public interface IDeliveryHandler
{
    ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken);
}

/// <summary>Subscribes a provider with a loop that hands each delivery to a test's <see cref="IDeliveryHandler"/>.</summary>
public static class DeliveryHandlerExtensions
{
    public static async Task<IProviderSubscription> SubscribeAsync(this IProvider provider, ListenerDescriptor listener, IDeliveryHandler handler, CancellationToken cancellationToken)
    {
        var subscription = await provider.SubscribeAsync(listener, cancellationToken);
        return new HandedSubscription(subscription, handler);
    }

    private sealed class HandedSubscription : IProviderSubscription
    {
        private readonly IProviderSubscription _inner;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public HandedSubscription(IProviderSubscription inner, IDeliveryHandler handler)
        {
            _inner = inner;
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (await inner.Deliveries.WaitToReadAsync(_stop.Token))
                    {
                        while (!_stop.IsCancellationRequested && inner.Deliveries.TryRead(out var delivery))
                        {
                            if (!delivery.IsStale)
                            {
                                await handler.HandleAsync(delivery, _stop.Token);
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                }
            });
        }

        public System.Threading.Channels.ChannelReader<Delivery> Deliveries => _inner.Deliveries;

        public async Task StopReceivingAsync(CancellationToken cancellationToken)
        {
            await _stop.CancelAsync();
            await _inner.StopReceivingAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(1)));
            await _inner.DisposeAsync();
        }
    }
}
