using Eventing.Stomp.Tests.Integration;
using static Eventing.Stomp.Tests.Integration.StompTestSupport;

namespace Eventing.Stomp.Tests.Inspection;

/// <summary>The provider's dead-letter browser, the way the eventing CLI uses it: read, remove, resend, give back.</summary>
public class DeadLetterBrowserTests
{
    public static TheoryData<string> Brokers => new() { "activemq", "rabbitmq" };

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Dead_letters_are_read_in_order_removed_resent_and_what_was_left_is_given_back_on_dispose(string broker)
    {
        await using var provider = await StartProviderAsync(broker);
        var @event = new EventDescriptor(UniqueEvent("browse"), durable: true);
        var listener = Listener(@event, "browse");
        await provider.ProvisionAsync(listener, CancellationToken.None);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var envelope = NewEnvelope(@event.Name, $"{{\"n\":{i}}}");
            envelope.Headers[CloudEventAttributes.DeadLetterReason] = DeadLetterReasons.Failed;
            await provider.DeadLetterAsync(envelope, listener, CancellationToken.None);
            ids.Add(envelope.Id);
        }

        await using (var browser = await provider.OpenDeadLettersAsync(listener, CancellationToken.None))
        {
            Assert.Equal(provider.Topology.DeadLetterDestination(listener), browser.Name);
            var letters = await browser.ReadAsync(10, Idle, CancellationToken.None);
            Assert.Equal(ids, letters.Select(letter => letter.Envelope.Id));
            Assert.Equal(DeadLetterReasons.Failed, letters[0].Envelope.Headers[CloudEventAttributes.DeadLetterReason]);

            await browser.RemoveAsync(letters[0], CancellationToken.None);
            await browser.ResendAsync(letters[1].Envelope, listener, toEvent: false, CancellationToken.None);
            await browser.RemoveAsync(letters[1], CancellationToken.None);

            // The third is neither removed nor resent.
        }

        await using (var browser = await provider.OpenDeadLettersAsync(listener, CancellationToken.None))
        {
            var left = Assert.Single(await browser.ReadAsync(10, Idle, CancellationToken.None));
            Assert.Equal(ids[2], left.Envelope.Id);
            Assert.True(left.Envelope.Redelivered, "a dead letter given back is marked redelivered");

            // To the event's address: every listener of the event gets it.
            await browser.ResendAsync(left.Envelope, listener, toEvent: true, CancellationToken.None);
            await browser.RemoveAsync(left, CancellationToken.None);
        }

        await using (var browser = await provider.OpenDeadLettersAsync(listener, CancellationToken.None))
        {
            Assert.Empty(await browser.ReadAsync(10, TimeSpan.FromMilliseconds(500), CancellationToken.None));
        }

        var collector = new Collector();
        await using var subscription = await provider.SubscribeAsync(listener, collector, CancellationToken.None);
        var resent = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var delivery = await collector.NextAsync();
            resent.Add(delivery.Envelope.Id);
            await delivery.AckAsync(CancellationToken.None);
        }

        Assert.Equal(new[] { ids[1], ids[2] }.Order(), resent.Order());
    }
}
