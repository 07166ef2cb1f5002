using Eventing.Stomp.Tests.Conformance;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>
/// Durable sends confirmed by one coalesced receipt are really stored: every send the provider reported as
/// confirmed survives a broker restart. Restarts the shared broker, so it runs alone in the restart pass.
/// </summary>
[Collection(StompBrokerRestarts.Name)]
public class ReceiptCoalescingBrokerRestartTests
{
    private const int Sends = 3000;

    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Every_durable_send_confirmed_by_a_coalesced_receipt_survives_a_broker_restart(string broker)
    {
        var @event = new EventDescriptor(UniqueEvent("coalesce"), durable: true);
        var listener = Listener(@event, "survivor");
        var sent = new HashSet<string>(StringComparer.Ordinal);
        await using (var provider = await StartProviderAsync(broker))
        {
            // Subscribing once creates the listener's durable queue, so the sends land in it.
            var declare = await provider.SubscribeAsync(listener, new Collector(), CancellationToken.None);
            await declare.StopReceivingAsync(CancellationToken.None);
            await declare.DisposeAsync();

            var sends = new Task[Sends];
            for (var i = 0; i < Sends; i++)
            {
                var envelope = NewEnvelope(@event.Name, $"{{\"n\":{i}}}");
                sent.Add(envelope.Id);
                sends[i] = provider.SendAsync(envelope, @event, CancellationToken.None).AsTask();
            }

            await Task.WhenAll(sends).WaitAsync(TimeSpan.FromMinutes(2));
        }

        await TestBrokers.RunAsync("restart", broker);

        await using var after = await StartProviderAsync(broker);
        var collector = new Collector();
        var subscription = await after.SubscribeAsync(listener, collector, CancellationToken.None);
        var received = new HashSet<string>(StringComparer.Ordinal);
        while (received.Count < Sends)
        {
            var delivery = await collector.NextAsync(TimeSpan.FromSeconds(30));
            received.Add(delivery.Envelope.Id);
            await delivery.AckAsync(CancellationToken.None);
        }

        await subscription.StopReceivingAsync(CancellationToken.None);
        await subscription.DisposeAsync();
        Assert.Subset(received, sent);
    }
}
