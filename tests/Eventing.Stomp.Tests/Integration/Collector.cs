using System.Threading.Channels;
using Eventing.Providers;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>A delivery handler that hands each delivery to the test, which settles it.</summary>
internal sealed class Collector : IDeliveryHandler
{
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();

    public ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken) => _deliveries.Writer.WriteAsync(delivery, cancellationToken);

    // The read is cancelled when the wait times out: a read left pending would take the next delivery and drop it.
    public async Task<Delivery> NextAsync(TimeSpan? timeout = null)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(20);
        using var expiry = new CancellationTokenSource(wait);
        try
        {
            return await _deliveries.Reader.ReadAsync(expiry.Token);
        }
        catch (OperationCanceledException exception) when (expiry.IsCancellationRequested)
        {
            throw new TimeoutException($"no delivery within {wait}", exception);
        }
    }

    public bool TryNext(out Delivery? delivery) => _deliveries.Reader.TryRead(out delivery);
}
