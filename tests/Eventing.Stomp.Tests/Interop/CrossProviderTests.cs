using System.Collections.Concurrent;
using Eventing.Providers;
using Eventing.Stomp.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Stomp.Tests.Interop;

[Event("stomp.cross.order", Durable = true)]
public sealed record CrossOrder(string Run, int Seq, string Note);

/// <summary>
/// The RabbitMq provider (AMQP 0-9-1) and the Stomp provider on one RabbitMQ: both use amq.topic and one named
/// queue per listener, so events cross with every header and same-named listeners compete on one queue.
/// </summary>
public class CrossProviderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("tenant", "acme: east\\west"),
        new("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        new("correlationid", "corr-cross"),
        new("note", "välue ✓ with spaces; and = signs"),
        new("empty", string.Empty),
    ];

    private static async Task<IHost> StartHostAsync(bool stomp, bool quorum = false)
    {
        var stompUri = await TestBrokers.StompUriAsync("rabbitmq");
        var amqpUri = await TestBrokers.AmqpUriAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events =>
        {
            events.AddEvent<CrossOrder>().Configure(o => o.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero));
            if (stomp)
            {
                events.UseStomp(o =>
                {
                    o.Uri = stompUri;
                    o.QueueType = quorum ? StompQueueType.Quorum : StompQueueType.Classic;
                });
            }
            else
            {
                events.UseRabbitMq(o =>
                {
                    o.Uri = amqpUri;
                    o.QueueType = quorum ? RabbitMq.RabbitMqQueueType.Quorum : RabbitMq.RabbitMqQueueType.Classic;
                });
            }
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task An_event_crosses_between_the_RabbitMq_and_Stomp_providers_with_every_header(bool senderIsStomp, bool listenerIsStomp)
    {
        using var senderHost = await StartHostAsync(senderIsStomp);
        using var listenerHost = await StartHostAsync(listenerIsStomp);
        var run = Guid.NewGuid().ToString("N");
        var received = new TaskCompletionSource<(CrossOrder Order, Envelope Envelope)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = listenerHost.Services.GetRequiredService<IEventManager>();
        await using (await events.SubscribeAsync<CrossOrder>("cross-" + run[..8], (order, context, _) =>
        {
            if (order.Run == run)
            {
                received.TrySetResult((order, context.Envelope.Clone()));
            }

            return default;
        }))
        {
            var sender = senderHost.Services.GetRequiredService<IEnvelopeSender>();
            var order = new CrossOrder(run, 1, "Grüße ✓");
            var (envelope, descriptor) = await sender.CreateEnvelopeAsync(order, Headers);
            var sent = envelope.Clone();
            await sender.SendEnvelopeAsync(envelope, descriptor);

            var (got, gotEnvelope) = await received.Task.WaitAsync(Timeout);
            Assert.Equal(order, got);
            Assert.Equal(sent.Id, gotEnvelope.Id);
            Assert.Equal(sent.Type, gotEnvelope.Type);
            Assert.Equal(sent.Source, gotEnvelope.Source);
            Assert.Equal(sent.Time, gotEnvelope.Time);
            Assert.Equal(sent.DataContentType, gotEnvelope.DataContentType);
            Assert.Equal(sent.Headers.ToDictionary(), gotEnvelope.Headers.ToDictionary());
            Assert.Equal(sent.Body.ToArray(), gotEnvelope.Body.ToArray());
        }

        await senderHost.StopAsync();
        await listenerHost.StopAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_RabbitMq_listener_and_a_Stomp_listener_with_the_same_name_compete_on_one_queue(bool quorum)
    {
        using var rabbitHost = await StartHostAsync(stomp: false, quorum);
        using var stompHost = await StartHostAsync(stomp: true, quorum);
        var run = Guid.NewGuid().ToString("N");
        var name = "compete-" + run[..8];
        const int count = 40;
        var byRabbit = new ConcurrentDictionary<int, bool>();
        var byStomp = new ConcurrentDictionary<int, bool>();
        var duplicates = new ConcurrentBag<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var total = 0;

        ValueTask Handle(ConcurrentDictionary<int, bool> mine, ConcurrentDictionary<int, bool> other, CrossOrder order)
        {
            if (order.Run == run)
            {
                if (!mine.TryAdd(order.Seq, true) || other.ContainsKey(order.Seq))
                {
                    duplicates.Add(order.Seq);
                }

                if (Interlocked.Increment(ref total) == count)
                {
                    all.TrySetResult();
                }
            }

            return default;
        }

        // STOMP declares the queue first, then the RabbitMq provider declares it again: the declarations must match
        // (RabbitMQ refuses an inequivalent one), quorum queues included.
        await using var stompListener = await stompHost.Services.GetRequiredService<IEventManager>()
            .SubscribeAsync<CrossOrder>(name, (order, _, _) => Handle(byStomp, byRabbit, order));
        await using var rabbitListener = await rabbitHost.Services.GetRequiredService<IEventManager>()
            .SubscribeAsync<CrossOrder>(name, (order, _, _) => Handle(byRabbit, byStomp, order));

        var sender = stompHost.Services.GetRequiredService<IEventManager>();
        for (var i = 0; i < count; i++)
        {
            await sender.SendAsync(new CrossOrder(run, i, "compete"));
        }

        await all.Task.WaitAsync(Timeout);
        Assert.Empty(duplicates);
        Assert.Equal(count, byRabbit.Count + byStomp.Count);
        Assert.True(!byRabbit.IsEmpty && !byStomp.IsEmpty, $"both consumers of the queue take a share (rabbitmq {byRabbit.Count}, stomp {byStomp.Count})");

        await rabbitHost.StopAsync();
        await stompHost.StopAsync();
    }
}
