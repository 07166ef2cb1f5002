using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>IOutboxStore.GetBacklogAsync on each real database: how many rows wait, since when, and how many are scheduled for later.</summary>
public sealed class OutboxBacklogTests
{
    [Fact]
    public async Task A_sqlite_backlog_counts_due_rows_leased_ones_included_gives_since_when_the_oldest_is_due_and_keeps_scheduled_rows_apart()
    {
        await using var database = new SqliteTestDatabase();
        await AssertBacklogAsync(database);
    }

    [Fact]
    public async Task A_postgresql_backlog_counts_due_rows_leased_ones_included_gives_since_when_the_oldest_is_due_and_keeps_scheduled_rows_apart()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await AssertBacklogAsync(database);
    }

    private static async Task AssertBacklogAsync(TestDatabase database)
    {
        const long now = 1_700_000_010_000;
        // No relay: the rows stay where the test put them.
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false);
        var store = host.Services.GetRequiredService<IOutboxStore>();
        Assert.Equal(new OutboxBacklog(0, null), await store.GetBacklogAsync(now, CancellationToken.None));

        // Inserted out of creation order, so the oldest is neither the first nor the last sequence. The scheduled row
        // due before now was created first of all, but it has been pending only since its due time; the one due
        // after now is not pending at all.
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            foreach (var createdAt in new long[] { 1_700_000_003_000, 1_700_000_001_000, 1_700_000_002_000 })
            {
                await store.InsertAsync(transaction, Record(createdAt), CancellationToken.None);
            }

            await store.InsertAsync(transaction, Record(1_700_000_000_000, dueAt: 1_700_000_001_500), CancellationToken.None);
            await store.InsertAsync(transaction, Record(1_700_000_000_000, dueAt: now + 60_000), CancellationToken.None);
            await transaction.CommitAsync();
        }

        var expected = new OutboxBacklog(4, 1_700_000_001_000) { Scheduled = 1, NextDueAt = now + 60_000 };
        Assert.Equal(expected, await store.GetBacklogAsync(now, CancellationToken.None));
        Assert.Equal(now + 60_000, await store.GetNextDueAsync(now, CancellationToken.None));
        Assert.Null(await store.GetNextDueAsync(now + 60_000, CancellationToken.None));

        // A relay's lease (PostgreSQL: rows locked FOR UPDATE) neither hides the rows nor blocks the count. It takes
        // the due scheduled row, not the one due later.
        var lease = await store.LeaseAsync(new OutboxLeaseRequest(10, long.MaxValue, Ordered: false) { DueBefore = now }, CancellationToken.None);
        await using (lease)
        {
            Assert.Equal([null, null, null, 1_700_000_001_500], lease.Records.Select(record => record.DueAt).Order());
            var backlog = await store.GetBacklogAsync(now, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(expected, backlog);

            var oldest = lease.Records.Single(record => record.CreatedAt == 1_700_000_001_000);
            await lease.CompleteAsync([oldest.Sequence], CancellationToken.None);
        }

        Assert.Equal(expected with { Pending = 3, OldestPendingSince = 1_700_000_001_500 }, await store.GetBacklogAsync(now, CancellationToken.None));

        // Once its time has come the scheduled row is pending since then, and no longer scheduled.
        Assert.Equal(new OutboxBacklog(4, 1_700_000_001_500), await store.GetBacklogAsync(now + 60_000, CancellationToken.None));
    }

    private static OutboxRecord Record(long createdAt, long? dueAt = null) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"),
        EventName = "outbox-tests.backlog",
        CreatedAt = createdAt,
        DueAt = dueAt,
        Source = "/outbox-tests",
        Time = DateTimeOffset.FromUnixTimeMilliseconds(createdAt).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ContentType = "application/json",
        Body = "{}"u8.ToArray(),
    };
}
