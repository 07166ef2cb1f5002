using Eventing.Health.Testing;
using Eventing.Stomp.Tests.Integration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Eventing.Stomp.Tests.Health;

/// <summary>
/// The eventing health check on the STOMP provider against RabbitMQ's STOMP adapter: what it says after start, and
/// that a listener whose queue the broker deleted is reported until it is re-subscribed, never healthy and deaf.
/// </summary>
public sealed class StompHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_start_the_check_is_Healthy_and_names_the_endpoint_with_the_password_masked()
    {
        var uri = await TestBrokers.StompUriAsync("rabbitmq");
        await using var host = await HealthHost.StartAsync(events => UseStomp(events, uri));
        var listener = HealthHost.Unique("started");
        var probe = new HealthProbe();
        HealthReportEntry report;
        await using (await host.Events.SubscribeAsync<StompHealthEvent>(listener, probe.Handle))
        {
            report = await host.WaitForAsync(HealthStatus.Healthy, Patience);
        }

        await HealthHost.DeleteQueueAsync($"{StompHealthEvent.Name}::{listener}");

        Assert.Equal("stomp", host.Provider.MessagingSystem);
        var endpoint = Assert.IsType<string>(report.Data["endpoint"]);
        Assert.Contains($"{uri.Host}:{uri.Port}", endpoint, StringComparison.Ordinal);
        Assert.DoesNotContain(uri.UserInfo, endpoint, StringComparison.Ordinal);
        Assert.Contains("***", endpoint, StringComparison.Ordinal);
        Assert.Equal(true, report.Data["connected"]);
    }

    // RabbitMQ 3.10's STOMP adapter answers the deletion of a subscribed queue with an ERROR frame ("Server
    // cancelled subscription", measured with a raw socket) and then closes the connection; the client closes on any
    // ERROR anyway (STOMP 1.2). The listener's session reconnects and re-subscribes, and the SUBSCRIBE with
    // x-queue-name declares the queue again.
    [Fact]
    public async Task A_deleted_queue_is_reported_by_listener_and_queue_until_the_subscription_is_restored_and_receives_again()
    {
        var uri = await TestBrokers.StompUriAsync("rabbitmq");
        await using var host = await HealthHost.StartAsync(events => UseStomp(events, uri));
        var listener = HealthHost.Unique("deleted");
        var queue = $"{StompHealthEvent.Name}::{listener}";
        var probe = new HealthProbe();
        await using (await host.Events.SubscribeAsync<StompHealthEvent>(listener, probe.Handle))
        {
            await host.WaitForAsync(HealthStatus.Healthy, Patience);
            await probe.SendAndReceiveAsync(host, seq => new StompHealthEvent(probe.Run, seq), Patience);

            for (var round = 0; round < 2; round++)
            {
                var restorations = host.Restorations(listener);
                await HealthHost.DeleteQueueAsync(queue);
                await host.WaitUntilCancellationSeenAsync(listener, queue, restorations, Patience);
                await host.AssertNeverHealthyAndDeafAsync(probe, seq => new StompHealthEvent(probe.Run, seq), Patience);
                Assert.True(host.Restorations(listener) > restorations, "the consumer was reported restored");
            }
        }

        await HealthHost.DeleteQueueAsync(queue);
    }

    private static void UseStomp(EventingBuilder events, Uri uri) => events.UseStomp(stomp =>
    {
        stomp.Uri = uri;
        stomp.Topology = StompTopologyKind.RabbitMq;
    });
}

[Event(Name, Durable = true)]
internal sealed record StompHealthEvent(string Run, int Seq) : IHealthProbeEvent
{
    public const string Name = "health.stomp";
}
