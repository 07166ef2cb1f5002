using Eventing.Conformance;
using Eventing.Providers;
using Eventing.RabbitMq.Tests.Conformance;
using Eventing.RabbitMq.Tests.Topology;
using Eventing.RabbitMq.Tests.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.RabbitMq.Tests.Inspection;

/// <summary>The provider's dead-letter browser, the way the eventing CLI uses it: read, remove, resend, give back.</summary>
public sealed class DeadLetterBrowserTests(ClassicRabbitMqTarget target) : ConformanceTests<ClassicRabbitMqTarget>(target), IClassFixture<ClassicRabbitMqTarget>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Dead_letters_are_read_in_order_removed_resent_and_what_was_left_is_given_back_on_dispose()
    {
        var listener = NewListener("browse");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await TestHost.StartAsync(Target, configure: events => events.Provision<InspectedEvent>(listener.Name));
            var inspector = Inspector(host);
            var ids = await DeadLetterAsync(host, listener, 3);

            await using (var browser = await inspector.OpenDeadLettersAsync(listener, CancellationToken.None))
            {
                Assert.Equal(listener.DeadLetterQueue, browser.Name);
                var letters = await browser.ReadAsync(10, Idle, CancellationToken.None);
                Assert.Equal(ids, letters.Select(letter => letter.Envelope.Id));
                Assert.Equal(DeadLetterReasons.Failed, letters[0].Envelope.Headers[CloudEventAttributes.DeadLetterReason]);

                await browser.RemoveAsync(letters[0], CancellationToken.None);
                await browser.ResendAsync(letters[1].Envelope, listener, toEvent: false, CancellationToken.None);
                await browser.RemoveAsync(letters[1], CancellationToken.None);
                // The third is neither removed nor resent.
            }

            Assert.Equal(1u, await raw.MessageCountAsync(listener.Queue));
            await using (var browser = await inspector.OpenDeadLettersAsync(listener, CancellationToken.None))
            {
                var left = Assert.Single(await browser.ReadAsync(10, Idle, CancellationToken.None));
                Assert.Equal(ids[2], left.Envelope.Id);
                Assert.True(left.Envelope.Redelivered);

                // To the event's address: every listener bound to it gets it.
                await browser.ResendAsync(left.Envelope, listener, toEvent: true, CancellationToken.None);
                await browser.RemoveAsync(left, CancellationToken.None);
            }

            Assert.Equal(0u, await raw.MessageCountAsync(listener.DeadLetterQueue));
            var received = new Collector<string>();
            await using var subscription = await host.Events.SubscribeAsync<InspectedEvent>(listener.Name, (_, context, _) =>
            {
                received.Add(context.Envelope.Id);
                return default;
            });
            await received.WaitForCountAsync(2, Patience, "the two resent dead letters at the listener");
            Assert.Equal(new[] { ids[1], ids[2] }.Order(), received.Items.Order());
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    [Fact]
    public async Task Opening_the_dead_letters_of_a_listener_that_has_none_says_there_is_no_such_queue()
    {
        var listener = NewListener("never-declared");
        await using var host = await TestHost.StartAsync(Target);

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => Inspector(host).OpenDeadLettersAsync(listener, CancellationToken.None));

        Assert.Contains($"There is no queue '{listener.DeadLetterQueue}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("eventing topology", exception.Message, StringComparison.Ordinal);
        // Refused on a channel of its own: the provider still sends.
        await host.Events.SendAsync(new InspectedEvent(NewRun(), 1));
    }

    [Fact]
    public async Task Resending_to_a_listener_queue_that_is_gone_fails_and_the_dead_letter_stays()
    {
        var listener = NewListener("queue-gone");
        await using var raw = await RawRabbit.ConnectAsync();
        try
        {
            await using var host = await TestHost.StartAsync(Target, configure: events => events.Provision<InspectedEvent>(listener.Name));
            var ids = await DeadLetterAsync(host, listener, 1);
            await raw.DeleteQueueAsync(listener.Queue);

            await using (var browser = await Inspector(host).OpenDeadLettersAsync(listener, CancellationToken.None))
            {
                var letter = Assert.Single(await browser.ReadAsync(10, Idle, CancellationToken.None));
                var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => browser.ResendAsync(letter.Envelope, listener, toEvent: false, CancellationToken.None));
                Assert.Contains($"Queue '{listener.Queue}' does not exist", exception.Message, StringComparison.Ordinal);
                Assert.Contains(ids[0], exception.Message, StringComparison.Ordinal);
            }

            Assert.Equal(1u, await raw.MessageCountAsync(listener.DeadLetterQueue));
        }
        finally
        {
            await raw.DeleteListenerQueuesAsync(listener);
        }
    }

    private static IProviderInspector Inspector(TestHost host) => Assert.IsAssignableFrom<IProviderInspector>(host.Services.GetRequiredService<IProvider>());

    private ListenerDescriptor NewListener(string name) =>
        new(new EventDescriptor("inspect.rabbit.deadletters", durable: true), Listener(name), perProcess: false, processId: "tests");

    // Through the provider's own dead-letter path, as the core sends them, each confirmed once this returns.
    private static async Task<List<string>> DeadLetterAsync(TestHost host, ListenerDescriptor listener, int count)
    {
        var run = NewRun();
        var ids = new List<string>();
        for (var seq = 1; seq <= count; seq++)
        {
            var (envelope, _) = await host.Sender.CreateEnvelopeAsync(new InspectedEvent(run, seq));
            envelope.Headers[CloudEventAttributes.DeadLetterReason] = DeadLetterReasons.Failed;
            await host.Services.GetRequiredService<IProvider>().DeadLetterAsync(envelope, listener, CancellationToken.None);
            ids.Add(envelope.Id);
        }

        return ids;
    }
}
