using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Eventing.Outbox.Tests;

/// <summary>
/// A relay with no grace period and the send right after commit reach the same rows; exactly one of them may send.
/// SQLite has no row locks to keep them apart, so these interleavings are forced there, against the real file.
/// </summary>
public sealed class SendAfterCommitRaceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_row_the_send_after_commit_deletes_while_a_relay_pass_is_reading_is_not_sent_again_by_that_pass()
    {
        await using var database = new SqliteTestDatabase();
        var store = new ObservedStore { HoldFirstLeaseWithRows = true };
        var recording = new RecordingProvider.Holder { HoldSends = true };
        await using var host = await StartAsync(database, store, recording);

        var commit = Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "once"), transaction);
            await host.Outbox.CommitAsync(transaction);
        });

        // The send after commit is under way and the relay has read the row: it is held before it looks at it.
        var provider = await recording.Started.Task.WaitAsync(Wait);
        await provider.SendStarted.Task.WaitAsync(Wait);
        await store.LeasedRows.Task.WaitAsync(Wait);

        // The send after commit finishes: the row is deleted and no longer in flight. Then the relay goes on.
        provider.ReleaseSends();
        await commit.WaitAsync(Wait);
        Assert.Equal(0, await database.CountPendingAsync());
        store.Resume();
        await store.PassWithRowsEnded.Task.WaitAsync(Wait);
        await host.StopAsync();

        Assert.Single(provider.Sends);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_relay_pass_between_an_EF_commit_and_its_send_leaves_the_rows_to_that_send(bool appTransaction)
    {
        await using var database = new SqliteTestDatabase();
        var store = new ObservedStore();
        var recording = new RecordingProvider.Holder();
        await using var host = await StartAsync(database, store, recording);
        await database.ExecuteAsync($"CREATE TABLE {database.Table}_orders (token text PRIMARY KEY)");

        var options = new DbContextOptionsBuilder<OrdersDb>().UseSqlite(database.ConnectionString);

        // Registered before the outbox's interceptors, so it runs between the commit and the send after it.
        options.AddInterceptors(new RelayPassAfterCommit(store));
        options.UseOutbox(host.Services).ReplaceService<IModelCacheKeyFactory, OrdersDb.CacheKeyFactory>();
        await using (var db = new OrdersDb(options.Options, database.Table))
        {
            db.Orders.Add(new Order { Token = "o1" });
            db.AddEvent(new OrderPlaced(1, 1, "o1"));
            if (appTransaction)
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            }
            else
            {
                await db.SaveChangesAsync();
            }
        }

        Assert.True(store.PassWithRowsEnded.Task.IsCompleted, "a relay pass must have seen the committed row");
        Assert.Equal(0, await database.CountPendingAsync());
        await host.StopAsync();
        Assert.Single(recording.Provider!.Sends);
    }

    private static Task<OutboxTestHost> StartAsync(SqliteTestDatabase database, ObservedStore store, RecordingProvider.Holder recording) =>
        OutboxTestHost.StartAsync(
            outbox =>
            {
                database.UseStore(outbox);
                store.Observe(outbox);
            },
            o => o.GracePeriod = TimeSpan.Zero,
            provider: events => recording.Wrap(events));

    /// <summary>Holds the app once its commit is done until a relay pass has leased the rows and is over.</summary>
    private sealed class RelayPassAfterCommit(ObservedStore store) : ISaveChangesInterceptor, IDbTransactionInterceptor
    {
        public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            // Inside the app's transaction nothing is committed yet.
            if (eventData.Context!.Database.CurrentTransaction is null)
            {
                await store.PassWithRowsEnded.Task.WaitAsync(Wait, cancellationToken);
            }

            return result;
        }

        public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
            store.PassWithRowsEnded.Task.WaitAsync(Wait, cancellationToken);
    }
}
