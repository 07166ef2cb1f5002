using Eventing.Amqp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Eventing.Health.Testing;

namespace Eventing.Amqp.Tests.Health;

/// <summary>
/// The eventing health check on the AMQP 1.0 provider against RabbitMQ: what it says after start, and that a
/// listener whose queue the broker deleted is reported until the provider consumes again, never healthy and deaf.
/// </summary>
public sealed class AmqpHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_start_the_check_is_Healthy_and_names_the_endpoint_with_the_password_masked()
    {
        await using var host = await HealthHost.StartAsync(UseAmqp);
        var listener = HealthHost.Unique("started");
        var probe = new HealthProbe();
        await using var subscription = await host.Events.SubscribeAsync<AmqpHealthEvent>(listener, probe.Handle);

        var report = await host.WaitForAsync(HealthStatus.Healthy, Patience);

        Assert.Equal("amqp", host.Provider.MessagingSystem);
        var endpoint = Assert.IsType<string>(report.Data["endpoint"]);
        Assert.Contains($"{Broker.Host}:{Broker.Port}", endpoint, StringComparison.Ordinal);
        Assert.DoesNotContain("guest:guest", endpoint, StringComparison.Ordinal);
        Assert.Equal(true, report.Data["connected"]);
        await DeleteQueuesAsync($"{AmqpHealthEvent.Name}::{listener}");
    }

    [Fact]
    public async Task A_deleted_queue_is_reported_by_listener_and_queue_until_the_consumer_is_restored_and_receives_again()
    {
        await using var host = await HealthHost.StartAsync(UseAmqp);
        var listener = HealthHost.Unique("deleted");
        var queue = $"{AmqpHealthEvent.Name}::{listener}";
        var probe = new HealthProbe();
        await using (await host.Events.SubscribeAsync<AmqpHealthEvent>(listener, probe.Handle))
        {
            await host.WaitForAsync(HealthStatus.Healthy, Patience);
            await probe.SendAndReceiveAsync(host, seq => new AmqpHealthEvent(probe.Run, seq), Patience);

            // The deletion alone. RabbitMQ 3.10 does not detach the link: the session crashes on the consumer
            // cancel and the connection closes about 3 s later, the first the client hears of it. Until then no
            // client can know; from then on the check must not say Healthy before the queue is re-declared and the
            // link re-attached.
            var restorations = host.Restorations(listener);
            await HealthHost.DeleteQueueAsync(queue);
            await host.WaitUntilCancellationSeenAsync(listener, queue, restorations, Patience);
            await host.AssertNeverHealthyAndDeafAsync(probe, seq => new AmqpHealthEvent(probe.Run, seq), Patience);

            // A blocker of the same name that the provider cannot use (exclusive to another connection) keeps the
            // consumer from coming back, so the report is seen for sure and must name listener and queue.
            restorations = host.Restorations(listener);
            await using (var blocker = await Rabbit091.ConnectAsync())
            {
                await HealthHost.DeleteQueueAsync(queue);
                await blocker.Channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
                var down = await host.WaitForAsync(entry => HealthHost.Names(entry, listener, queue), $"listener {listener} and queue {queue}", Patience);
                Assert.NotEqual(HealthStatus.Healthy, down.Status);
            }

            // The blocker is gone with its connection: the provider re-declares the queue and re-attaches.
            await host.AssertNeverHealthyAndDeafAsync(probe, seq => new AmqpHealthEvent(probe.Run, seq), Patience);
            Assert.True(host.Restorations(listener) > restorations, "the consumer was reported restored");
        }

        await DeleteQueuesAsync(queue);
    }

    // The listener's queue and the dead-letter queue its provisioning declared; deleting a missing one is no error.
    private static async Task DeleteQueuesAsync(string queue)
    {
        await using var rabbit = await Rabbit091.ConnectAsync();
        await rabbit.Channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        await rabbit.Channel.QueueDeleteAsync(queue + ".dead-letter", ifUnused: false, ifEmpty: false);
    }

    private static void UseAmqp(EventingBuilder events) => events.UseAmqp(amqp =>
    {
        amqp.Uri = Broker.AmqpUri;
        amqp.UseRabbitMqProvisioning(rabbit => rabbit.Uri = Broker.Amqp091Uri);
    });
}

[Event(Name, Durable = true)]
internal sealed record AmqpHealthEvent(string Run, int Seq) : IHealthProbeEvent
{
    public const string Name = "health.amqp";
}
