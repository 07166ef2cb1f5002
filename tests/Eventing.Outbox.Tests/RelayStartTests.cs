using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>What the relay does with rows an earlier run of the app left behind, while the app is starting.</summary>
public sealed class RelayStartTests
{
    [Fact]
    public async Task Rows_an_earlier_run_left_reach_the_apps_own_listener_even_when_it_subscribes_after_the_relay_started()
    {
        await using var database = new SqliteTestDatabase();
        await using (var earlier = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false))
        {
            // Committed outside the outbox, as by a run that died before its send: only a relay sends it.
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await earlier.Outbox.AddAsync(new OrderPlaced(7, 1, "left by the earlier run"), transaction);
            await transaction.CommitAsync();
        }

        Assert.Equal(1, await database.CountPendingAsync());

        // The local provider keeps nothing for an address nobody is bound to, like an exchange without queues.
        var received = new Received<OrderPlaced>();
        var recording = new RecordingProvider.Holder { SubscribeAfterFirstSend = true };
        await using var restarted = await OutboxTestHost.StartAsync(
            database.UseStore,
            o => o.GracePeriod = TimeSpan.Zero,
            provider: events =>
            {
                events.AddListener<OrderPlacedListener>(listener => listener.Name("relay-start"));
                recording.Wrap(events);
            },
            services: services => services.AddSingleton(received));

        await received.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("left by the earlier run", Assert.Single(received.Items).Event.Token);
        await WaitForNoPendingAsync(database);
    }

    private static async Task WaitForNoPendingAsync(SqliteTestDatabase database)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await database.CountPendingAsync() > 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class OrderPlacedListener(Received<OrderPlaced> received) : EventListener<OrderPlaced>
    {
        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) =>
            received.HandleAsync(@event, context, cancellationToken);
    }
}
