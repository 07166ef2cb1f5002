using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>
/// Scheduled sends through the outbox (<see cref="IOutbox.ScheduleAsync"/>), on each real database: a row with a due
/// time that the relay sends once due, that survives the application, that can be called off, and that a flush
/// leaves alone until its time.
/// </summary>
public abstract class OutboxScheduleContractTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    [Fact]
    public async Task Scheduled_sends_arrive_no_earlier_than_their_due_times_and_within_a_second_after_whatever_the_poll_interval()
    {
        await using var database = await CreateDatabaseAsync();

        // A poll interval far beyond the bound: only the relay's wake-up at the next due time can meet it.
        var log = new LogLines();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.PollInterval = TimeSpan.FromMinutes(5), services: log.AddTo);
        var arrivals = new Arrivals();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("scheduled", arrivals.HandleAsync);

        var start = DateTimeOffset.UtcNow;
        var due = new Dictionary<string, DateTimeOffset>
        {
            // Recorded out of due order, in one transaction.
            ["third"] = start.AddSeconds(4.1),
            ["first"] = start.AddSeconds(2.3),
            ["second"] = start.AddSeconds(3.2),
        };
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            foreach (var (token, at) in due)
            {
                await host.Outbox.ScheduleAsync(new OrderPlaced(1, 0, token), at, transaction);
            }

            await host.Outbox.CommitAsync(transaction);
        }

        // The commit sent nothing: the rows wait for their time.
        Assert.Equal(3, await database.CountPendingAsync());
        await arrivals.WaitForAsync(Patience, [.. due.Keys]);
        foreach (var (token, at) in due)
        {
            arrivals.AssertOnTime(token, at, log);
        }

        // The relay deletes a row once the provider confirmed it, which may be just after the listener had it; a
        // stop lets its pass finish.
        await host.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task A_scheduled_send_survives_the_application_that_recorded_it()
    {
        await using var database = await CreateDatabaseAsync();
        var due = DateTimeOffset.UtcNow.AddSeconds(3);
        var log = new LogLines();
        await using (var before = await OutboxTestHost.StartAsync(database.UseStore, services: log.AddTo))
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await before.Outbox.ScheduleAsync(new OrderPlaced(1, 0, "after-restart"), due, transaction);
            await before.Outbox.CommitAsync(transaction);
        }

        // The application is gone before the due time; the next one to start sends the event when due.
        Assert.True(DateTimeOffset.UtcNow < due, "the first application outlived the due time; the test proves nothing");
        Assert.Equal(1, await database.CountPendingAsync());
        log.Note("the first application is gone");
        await using var after = await OutboxTestHost.StartAsync(database.UseStore, services: log.AddTo);
        var arrivals = new Arrivals();
        await using var subscription = await after.Events.SubscribeAsync<OrderPlaced>("restart", arrivals.HandleAsync);
        await arrivals.WaitForAsync(Patience, "after-restart");
        arrivals.AssertOnTime("after-restart", due, log);
        await after.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task A_scheduled_send_called_off_before_it_is_due_is_never_sent_and_a_cancel_that_rolls_back_calls_nothing_off()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore);
        var arrivals = new Arrivals();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("cancel", arrivals.HandleAsync);

        var start = DateTimeOffset.UtcNow;
        string cancelled, restored, kept;
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            cancelled = await host.Outbox.ScheduleAsync(new OrderPlaced(1, 0, "cancelled"), start.AddSeconds(2), transaction);
            restored = await host.Outbox.ScheduleAsync(new OrderPlaced(1, 1, "restored"), start.AddSeconds(2.2), transaction);
            kept = await host.Outbox.ScheduleAsync(new OrderPlaced(1, 2, "kept"), start.AddSeconds(2.6), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        Assert.True(await host.Outbox.CancelScheduledAsync(cancelled));
        Assert.False(await host.Outbox.CancelScheduledAsync(cancelled));
        Assert.False(await host.Outbox.CancelScheduledAsync("no-such-message"));
        await using (var connection = await database.OpenAsync())
        {
            // Called off with a business change that then fails: the row comes back with the rollback.
            await using var transaction = await connection.BeginTransactionAsync();
            Assert.True(await host.Outbox.CancelScheduledAsync(restored, transaction));
            await transaction.RollbackAsync();
        }

        Assert.True(DateTimeOffset.UtcNow < start.AddSeconds(2), "the cancels outlived the due time; the test proves nothing");
        await arrivals.WaitForAsync(Patience, "restored", "kept");

        // "kept" was due last, in a pass of its own: a "cancelled" still in the table would have gone before it.
        Assert.Equal(["kept", "restored"], arrivals.At.Keys.Order(StringComparer.Ordinal));
        Assert.False(await host.Outbox.CancelScheduledAsync(kept));
        await host.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task A_flush_sends_the_due_events_and_leaves_the_scheduled_ones_for_their_time()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false);
        var arrivals = new Arrivals();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("flush", arrivals.HandleAsync);

        var later = DateTimeOffset.UtcNow.AddHours(1);
        string immediate, scheduled;
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            immediate = await host.Outbox.AddAsync(new OrderPlaced(1, 0, "immediate"), transaction);
            await host.Outbox.ScheduleAsync(new OrderPlaced(1, 1, "overdue"), DateTimeOffset.UtcNow.AddMinutes(-1), transaction);
            scheduled = await host.Outbox.ScheduleAsync(new OrderPlaced(1, 2, "later"), later, transaction);

            // A plain commit: nothing is sent and no relay runs, so only the flush sends.
            await transaction.CommitAsync();
        }

        var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal(2, flushed.Sent);
        Assert.Equal(0, flushed.Failed);
        Assert.Equal(1, flushed.Scheduled);
        Assert.Equal(later.ToUnixTimeMilliseconds(), flushed.NextDueAt!.Value.ToUnixTimeMilliseconds(), tolerance: 1);
        await arrivals.WaitForAsync(Patience, "immediate", "overdue");
        Assert.Equal(1, await database.CountPendingAsync());

        // Not scheduled, and sent: neither can be called off. The one for later still can.
        Assert.False(await host.Outbox.CancelScheduledAsync(immediate));
        Assert.True(await host.Outbox.CancelScheduledAsync(scheduled));
        Assert.Equal(0, await database.CountPendingAsync());
        Assert.Equal(new OutboxFlushResult(0, 0), await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync());
        Assert.DoesNotContain("later", arrivals.At.Keys);
    }

    [Fact]
    public async Task A_table_of_the_release_before_scheduled_sends_is_migrated_and_its_pending_rows_still_go()
    {
        await using var database = await CreateDatabaseAsync();
        await using (var before = await OutboxTestHost.StartAsync(database.UseStore, o => o.RunRelay = false))
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await before.Outbox.AddAsync(new OrderPlaced(1, 0, "recorded-before"), transaction);
            await transaction.CommitAsync();
        }

        // Back to the first schema version: no due_at column, the full created_at index, version 1 recorded.
        var table = database.Table;
        foreach (var index in new[] { "pending", "due_at", "scheduled_id" })
        {
            await database.ExecuteAsync($"DROP INDEX ix_{table}_{index}");
        }

        await database.ExecuteAsync($"ALTER TABLE {table} DROP COLUMN due_at");
        await database.ExecuteAsync($"CREATE INDEX ix_{table}_created_at ON {table} (created_at)");
        await database.ExecuteAsync($"UPDATE eventing_schema SET version = 1 WHERE component = 'outbox:{table}'");

        await using var after = await OutboxTestHost.StartAsync(database.UseStore);
        Assert.Equal(2L, Convert.ToInt64(await database.ScalarAsync($"SELECT version FROM eventing_schema WHERE component = 'outbox:{table}'"), System.Globalization.CultureInfo.InvariantCulture));
        var arrivals = new Arrivals();
        await using var subscription = await after.Events.SubscribeAsync<OrderPlaced>("migrated", arrivals.HandleAsync);
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await after.Outbox.ScheduleAsync(new OrderPlaced(1, 1, "scheduled-after"), DateTimeOffset.UtcNow.AddSeconds(1), transaction);
            await after.Outbox.CommitAsync(transaction);
        }

        await arrivals.WaitForAsync(Patience, "recorded-before", "scheduled-after");
        await after.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
        var backlog = await after.Services.GetRequiredService<IOutboxStore>().GetBacklogAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        Assert.Equal(new OutboxBacklog(0, null), backlog);
    }
}

public sealed class SqliteOutboxScheduleTests : OutboxScheduleContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult<TestDatabase>(new SqliteTestDatabase());
}

public sealed class PostgreSqlOutboxScheduleTests : OutboxScheduleContractTests
{
    protected override async Task<TestDatabase> CreateDatabaseAsync() => await PostgresTestDatabase.StartAsync();
}
