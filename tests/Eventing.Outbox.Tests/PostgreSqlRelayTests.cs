using Eventing.Local;

namespace Eventing.Outbox.Tests;

public sealed class PostgreSqlRelayTests
{
    [Fact]
    public async Task Concurrent_relays_neither_lose_nor_duplicate_events()
    {
        const int Count = 3000;
        await using var database = await PostgresTestDatabase.StartAsync();
        var broker = new LocalBroker(queueCapacity: Count + 10);
        var received = new Received<OrderPlaced>();

        // The writer records without sending (a commit outside the outbox), so all the work is left to the relays.
        await using var writer = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false, broker: broker);
        await using var subscription = await writer.Events.SubscribeAsync<OrderPlaced>("relays", received.HandleAsync);
        await using (var connection = await database.OpenAsync())
        {
            for (var batch = 0; batch < Count / 500; batch++)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                for (var i = 0; i < 500; i++)
                {
                    await writer.Outbox.AddAsync(new OrderPlaced(batch, i, $"{batch}-{i}"), transaction);
                }

                await transaction.CommitAsync();
            }
        }

        var relays = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => OutboxTestHost.StartAsync(database.UseStore, o =>
        {
            o.GracePeriod = TimeSpan.Zero;
            o.BatchSize = 50;
            o.CreateSchema = false;
        }, broker: broker)));
        try
        {
            await received.WaitForAsync(Count, TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var relay in relays)
            {
                await relay.DisposeAsync();
            }
        }

        // Every relay pass has finished; a fence behind any duplicate in the queue makes sure it would be counted.
        await writer.Events.SendAsync(new OrderPlaced(-1, -1, "fence"));
        await received.WaitForAsync(Count + 1);
        var tokens = received.Items.Select(item => item.Event.Token).Where(token => token != "fence").ToList();
        Assert.Equal(Count, tokens.Count);
        Assert.Equal(Count, tokens.Distinct().Count());
        Assert.Equal(0, await database.CountPendingAsync());
    }
}
