using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>
/// The real RabbitMQ provider, connected through a <see cref="TcpGate"/> so the broker can "go down" for this app only
/// (stopping the shared broker would break the other test assemblies running at the same time).
/// </summary>
public sealed class BrokerDownTests
{
    private static readonly Uri Broker = new(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/");

    [Fact]
    public async Task Events_committed_while_the_broker_is_down_stay_pending_and_the_relay_delivers_them_when_it_returns()
    {
        await using var database = new SqliteTestDatabase();
        await using var gate = new TcpGate(Broker.Port);
        gate.Open();

        // The listener connects straight to the broker: only the sending app loses it.
        var received = new Received<OrderShipped>();
        var listenerServices = new ServiceCollection();
        listenerServices.AddEventing(events => events.AddEvent<OrderShipped>().UseRabbitMq(rabbit => rabbit.Uri = Broker));
        await using var listenerProvider = listenerServices.BuildServiceProvider();
        var listenerBus = listenerProvider.GetRequiredService<IEventManager>();
        await using var subscription = await listenerBus.SubscribeAsync<OrderShipped>("outbox-broker-down-" + Guid.NewGuid().ToString("N")[..8], received.HandleAsync, perProcess: true);

        var token = Guid.NewGuid().ToString("N");
        await using var host = await OutboxTestHost.StartAsync(
            database.UseStore,
            o => o.GracePeriod = TimeSpan.Zero,
            provider: events => events.UseRabbitMq(rabbit =>
            {
                rabbit.Uri = new UriBuilder(Broker) { Port = gate.Port }.Uri;
                rabbit.SendTimeout = TimeSpan.FromSeconds(2);
                rabbit.RecoveryInterval = TimeSpan.FromMilliseconds(200);
            }));

        // Connect while the broker is there, so the outage below hits a running app.
        await host.Events.SendAsync(new OrderShipped("warm-up-" + token));
        await received.WaitForAsync(1);

        gate.Close();
        string id;
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            id = await host.Outbox.AddAsync(new OrderShipped(token), transaction);
            await host.Outbox.CommitAsync(transaction); // must not throw: the commit happened
        }

        Assert.Equal(1, await database.CountPendingAsync());
        Assert.Single(received.Items);

        gate.Open();
        await received.WaitForAsync(2, TimeSpan.FromSeconds(60));
        var delivered = received.Items.Where(item => item.Event.Token == token).ToList();
        Assert.Equal(id, Assert.Single(delivered).Envelope.Id);
        await host.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
    }
}
