using System.Text;
using Eventing.Amqp.Tests.Infrastructure;
using Eventing.Providers;

namespace Eventing.Amqp.Tests.Inspection;

/// <summary>Provisioning without a listener, and the inspector tools use: topology names and dead-letter browsing.</summary>
public sealed class AmqpInspectionTests
{
    private static ListenerDescriptor Listener(string eventName, string name = "billing") =>
        new(new EventDescriptor(eventName, durable: true), name, perProcess: false, processId: "p");

    private static Envelope Sample(string type, string id) => new(type, Encoding.UTF8.GetBytes("{\"n\":1}")) { Id = id };

    [Fact]
    public async Task An_event_sent_to_a_provisioned_queue_before_any_listener_exists_waits_there()
    {
        var eventName = ProviderHarness.Unique("amqp.provisioned");
        var listener = Listener(eventName);
        await using var provider = await ProviderHarness.StartAsync();
        await provider.ProvisionAsync(listener, CancellationToken.None);
        await provider.SendAsync(Sample(eventName, "early-1"), listener.Event, CancellationToken.None);

        await using var rabbit = await Rabbit091.ConnectAsync();
        var waiting = await rabbit.GetAsync(listener.Queue, TimeSpan.FromSeconds(10));
        Assert.Equal("early-1", waiting.BasicProperties.MessageId);
    }

    [Fact]
    public async Task The_topology_names_the_address_the_queue_and_the_dead_letter_queue_without_connecting()
    {
        var options = new AmqpProviderOptions { Uri = Broker.AmqpUri };
        options.UseRabbitMqProvisioning(rabbit => rabbit.Uri = Broker.Amqp091Uri);
        await using var provider = new AmqpProvider(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        var entries = provider.DescribeTopology(Listener("orders.placed"));

        Assert.Equal([TopologyEntry.Address, TopologyEntry.Queue, TopologyEntry.DeadLetterQueue], entries.Select(entry => entry.Role));
        Assert.All(entries, entry => Assert.StartsWith("amqp/rabbitmq", entry.Broker, StringComparison.Ordinal));
        Assert.Equal("/topic/orders.placed", entries[0].Name);
        Assert.Equal("/amq/queue/orders.placed::billing (durable)", entries[1].Name);
        Assert.Equal("/amq/queue/orders.placed::billing.dead-letter (durable)", entries[2].Name);
    }

    [Fact]
    public async Task Dead_letters_are_read_removed_resent_and_what_was_not_removed_goes_back_on_dispose()
    {
        var eventName = ProviderHarness.Unique("amqp.browse");
        var listener = Listener(eventName);
        await using var provider = await ProviderHarness.StartAsync();
        await provider.ProvisionAsync(listener, CancellationToken.None);
        await provider.DeadLetterAsync(Sample(eventName, "dead-1"), listener, CancellationToken.None);
        await provider.DeadLetterAsync(Sample(eventName, "dead-2"), listener, CancellationToken.None);

        await using (var browser = await provider.OpenDeadLettersAsync(listener, CancellationToken.None))
        {
            var letters = await browser.ReadAsync(10, TimeSpan.FromSeconds(2), CancellationToken.None);
            Assert.Equal(["dead-1", "dead-2"], letters.Select(letter => letter.Envelope.Id).Order());
            var first = letters.Single(letter => letter.Envelope.Id == "dead-1");
            await browser.ResendAsync(first.Envelope, listener, toEvent: false, CancellationToken.None);
            await browser.RemoveAsync(first, CancellationToken.None);
        }

        await using var rabbit = await Rabbit091.ConnectAsync();
        var resent = await rabbit.GetAsync(listener.Queue, TimeSpan.FromSeconds(10));
        Assert.Equal("dead-1", resent.BasicProperties.MessageId);
        var kept = await rabbit.GetAsync(listener.DeadLetterQueue, TimeSpan.FromSeconds(10));
        Assert.Equal("dead-2", kept.BasicProperties.MessageId);
        Assert.True(kept.Redelivered);
        Assert.Equal(0u, (await rabbit.Channel.QueueDeclarePassiveAsync(listener.DeadLetterQueue)).MessageCount);
    }

    [Fact]
    public async Task Opening_the_dead_letters_of_a_queue_that_does_not_exist_is_refused_naming_it()
    {
        var listener = Listener(ProviderHarness.Unique("amqp.nobody"));
        await using var provider = await ProviderHarness.StartAsync();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.OpenDeadLettersAsync(listener, CancellationToken.None));
        Assert.Contains(listener.DeadLetterQueue, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_prefetch_is_the_link_credit()
    {
        var eventName = ProviderHarness.Unique("amqp.credit");
        var listener = new ListenerDescriptor(new EventDescriptor(eventName, durable: true), "billing", perProcess: false, processId: "p", concurrency: 4) { Prefetch = 3 };
        await using var provider = await ProviderHarness.StartAsync();
        await provider.ProvisionAsync(listener, CancellationToken.None);
        for (var i = 0; i < 10; i++)
        {
            await provider.SendAsync(Sample(eventName, "c" + i), listener.Event, CancellationToken.None);
        }

        await using var subscription = await provider.SubscribeAsync(listener, CancellationToken.None);
        var held = new List<Delivery>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await subscription.Deliveries.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // With credit 3 and nothing settled, the broker sends no fourth message.
        await using var rabbit = await Rabbit091.ConnectAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        uint ready;
        while ((ready = (await rabbit.Channel.QueueDeclarePassiveAsync(listener.Queue)).MessageCount) != 7 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(7u, ready);
        Assert.False(subscription.Deliveries.TryRead(out _));
    }
}
