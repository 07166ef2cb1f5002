using System.Threading.Channels;
using Eventing.Providers;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>A delivery handler that hands each delivery to the test, which settles it.</summary>
internal sealed class Collector : IDeliveryHandler
{
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();

    public ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken) => _deliveries.Writer.WriteAsync(delivery, cancellationToken);

    public async Task<Delivery> NextAsync(TimeSpan? timeout = null) =>
        await _deliveries.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(20));

    public bool TryNext(out Delivery? delivery) => _deliveries.Reader.TryRead(out delivery);
}
