using System.Collections.Concurrent;
using Amqp;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Providers;

namespace Eventing.Amqp.Tests.Integration;

/// <summary>Recovery from what AMQPNetLite does when RabbitMQ sends past the link credit, and from lost links.</summary>
public sealed class RecoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // README, Amqp provider: RabbitMQ 3.10 sometimes sends one transfer more than the credit, and AMQPNetLite 2.5.5 then
    // fails with "There is no credit to accept a new delivery", which closes the whole connection. The test
    // makes the client's credit drop to zero while thousands of transfers are on the wire, which takes the very
    // same path in AMQPNetLite, then checks that every message is handled and the queue ends empty.
    [Fact]
    public async Task A_no_credit_link_failure_is_recovered_without_losing_or_double_acking_anything()
    {
        const int count = 3000;
        var eventName = ProviderHarness.Unique("recovery.credit");
        var descriptor = new EventDescriptor(eventName, durable: true);
        var listener = new ListenerDescriptor(descriptor, "credit", perProcess: false, processId: "p");
        await using var provider = await ProviderHarness.StartAsync(options => options.CreditPerConcurrency = 5000);

        // Provision the queue, then fill it, so the receiver gets a burst as soon as it attaches.
        var filler = new AckAndCount(count);
        await (await provider.SubscribeAsync(listener, filler, CancellationToken.None)).DisposeAsync();
        var ids = new HashSet<string>();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var envelope = new Envelope(eventName, "{\"n\":1}"u8.ToArray());
            ids.Add(envelope.Id);
            sends.Add(provider.SendAsync(envelope, descriptor, CancellationToken.None).AsTask());
        }

        await Task.WhenAll(sends).WaitAsync(Patience);

        var broken = 0;
        provider.OnTransferForTests = link =>
        {
            // On the I/O thread, right after the first transfer of the burst: AMQPNetLite's local credit drops to
            // zero (drain) while the rest of the burst is already on the wire.
            if (Interlocked.Exchange(ref broken, 1) == 0)
            {
                link.SetCredit(0, CreditMode.Drain);
            }
        };
        var handler = new AckAndCount(count);
        var subscription = await provider.SubscribeAsync(listener, handler, CancellationToken.None);
        await using (subscription)
        {
            await handler.AllSeen.Task.WaitAsync(Patience);
        }

        Assert.True(provider.Connection.Outages >= 1, "the connection failed the way AMQPNetLite fails on a transfer past the credit");
        Assert.Equal(ids.Order(), handler.Seen.Keys.Order());
        Assert.Equal(0, handler.AckFailures.Count(id => !handler.Seen.ContainsKey(id)));

        await using var rabbit = await Rabbit091.ConnectAsync();
        var queue = await rabbit.Channel.QueueDeclarePassiveAsync(listener.Queue);
        Assert.Equal(0u, queue.MessageCount);
        await rabbit.Channel.QueueDeleteAsync(listener.Queue, ifUnused: false, ifEmpty: false);
        await rabbit.Channel.QueueDeleteAsync(listener.DeadLetterQueue, ifUnused: false, ifEmpty: false);
    }

    /// <summary>Acks every delivery and counts what was acknowledged.</summary>
    private sealed class AckAndCount(int expected) : IDeliveryHandler
    {
        public ConcurrentDictionary<string, int> Seen { get; } = new();

        public ConcurrentBag<string> AckFailures { get; } = [];

        public TaskCompletionSource AllSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask HandleAsync(Delivery delivery, CancellationToken cancellationToken)
        {
            try
            {
                await delivery.AckAsync(cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // The link went away before the accept: the broker delivers it again, so it is not counted yet.
                AckFailures.Add(delivery.Envelope.Id);
                return;
            }

            Seen.AddOrUpdate(delivery.Envelope.Id, 1, (_, n) => n + 1);
            if (Seen.Count == expected)
            {
                AllSeen.TrySetResult();
            }
        }
    }
}
