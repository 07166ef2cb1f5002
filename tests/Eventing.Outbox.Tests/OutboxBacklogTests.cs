using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>IOutboxStore.GetBacklogAsync on each real database: how many rows wait, and since when.</summary>
public sealed class OutboxBacklogTests
{
    [Fact]
    public async Task A_sqlite_backlog_counts_pending_rows_leased_ones_included_and_gives_the_oldest_creation_time()
    {
        await using var database = new SqliteTestDatabase();
        await AssertBacklogAsync(database);
    }

    [Fact]
    public async Task A_postgresql_backlog_counts_pending_rows_leased_ones_included_and_gives_the_oldest_creation_time()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await AssertBacklogAsync(database);
    }

    private static async Task AssertBacklogAsync(TestDatabase database)
    {
        // No relay: the rows stay where the test put them.
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false);
        var store = host.Services.GetRequiredService<IOutboxStore>();
        Assert.Equal(new OutboxBacklog(0, null), await store.GetBacklogAsync(CancellationToken.None));

        // Inserted out of creation order, so the oldest is neither the first nor the last sequence.
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            foreach (var createdAt in new long[] { 1_700_000_003_000, 1_700_000_001_000, 1_700_000_002_000 })
            {
                await store.InsertAsync(transaction, Record(createdAt), CancellationToken.None);
            }

            await transaction.CommitAsync();
        }

        Assert.Equal(new OutboxBacklog(3, 1_700_000_001_000), await store.GetBacklogAsync(CancellationToken.None));

        // A relay's lease (PostgreSQL: rows locked FOR UPDATE) neither hides the rows nor blocks the count.
        var lease = await store.LeaseAsync(new OutboxLeaseRequest(10, long.MaxValue, Ordered: false), CancellationToken.None);
        await using (lease)
        {
            Assert.Equal(3, lease.Records.Count);
            var backlog = await store.GetBacklogAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(new OutboxBacklog(3, 1_700_000_001_000), backlog);

            var oldest = lease.Records.Single(record => record.CreatedAt == 1_700_000_001_000);
            await lease.CompleteAsync([oldest.Sequence], CancellationToken.None);
        }

        Assert.Equal(new OutboxBacklog(2, 1_700_000_002_000), await store.GetBacklogAsync(CancellationToken.None));
    }

    private static OutboxRecord Record(long createdAt) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"),
        EventName = "outbox-tests.backlog",
        CreatedAt = createdAt,
        Source = "/outbox-tests",
        Time = DateTimeOffset.FromUnixTimeMilliseconds(createdAt).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ContentType = "application/json",
        Body = "{}"u8.ToArray(),
    };
}
