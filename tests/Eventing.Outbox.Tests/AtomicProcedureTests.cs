using System.Data;
using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Outbox.Tests;

/// <summary>ExecuteAtomicAsync with real conflicting transactions on real PostgreSQL and SQLite.</summary>
public sealed class AtomicProcedureTests
{
    [Fact]
    public async Task Eight_serializable_writers_incrementing_one_counter_end_with_the_exact_value_and_one_event_per_increment()
    {
        const int Writers = 8;
        const int Increments = 10;
        await using var database = await PostgresTestDatabase.StartAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMinutes(5));
        await CreateCounterAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("atomic-" + database.Table, received.HandleAsync);
        var atomic = host.Services.GetRequiredService<IAtomicProcedures>();
        var attempts = 0;

        await Task.WhenAll(Enumerable.Range(1, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < Increments; i++)
            {
                await atomic.ExecuteAtomicAsync(async (transaction, ct) =>
                {
                    Interlocked.Increment(ref attempts);
                    var value = await IncrementAsync(database, transaction);
                    await host.Outbox.AddAsync(new OrderPlaced(writer, value, $"w{writer}"), transaction, ct);
                }, IsolationLevel.Serializable);
            }
        })));

        const int Total = Writers * Increments;
        Assert.Equal(Total, await CounterAsync(database));
        await AssertEventsAsync(host, received, Total);
        Assert.Equal(Enumerable.Range(1, Total), received.Items.Select(item => item.Event.Number).Where(n => n > 0).Order());
        Assert.True(attempts >= Total, $"{attempts} attempts for {Total} increments");
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task A_serialization_failure_reruns_the_procedure_and_the_rolled_back_attempt_sends_nothing()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMinutes(5));
        await CreateCounterAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("atomic-conflict-" + database.Table, received.HandleAsync);
        var atomic = host.Services.GetRequiredService<IAtomicProcedures>();

        // Both first attempts read the counter before either writes: the second writer must lose (40001).
        using var bothRead = new Barrier(2);
        var attempts = new int[2];
        async Task<int> WriterAsync(int writer) => await atomic.ExecuteAtomicAsync(async (transaction, ct) =>
        {
            var attempt = Interlocked.Increment(ref attempts[writer]);
            var before = Convert.ToInt32(await TestDatabase.ExecuteAsync(transaction, $"SELECT value FROM {database.Table}_counter WHERE id = 1"), System.Globalization.CultureInfo.InvariantCulture);

            // Recorded before the write that conflicts, so the losing attempt has an event that must never be sent.
            await host.Outbox.AddAsync(new OrderPlaced(writer, before + 1, $"writer{writer}-attempt{attempt}"), transaction, ct);
            if (attempt == 1)
            {
                await Task.Run(() => bothRead.SignalAndWait(TimeSpan.FromSeconds(30)), ct);
            }

            await TestDatabase.ExecuteAsync(transaction, $"UPDATE {database.Table}_counter SET value = {before + 1} WHERE id = 1");
            return before + 1;
        }, IsolationLevel.Serializable);

        var results = await Task.WhenAll(Task.Run(() => WriterAsync(0)), Task.Run(() => WriterAsync(1)));

        Assert.Equal([1, 2], results.Order());
        Assert.Equal(3, attempts[0] + attempts[1]);
        Assert.Equal(2, await CounterAsync(database));
        await AssertEventsAsync(host, received, 2);
        var loser = attempts[0] == 2 ? 0 : 1;
        Assert.Equal(
            new[] { $"writer{1 - loser}-attempt1", $"writer{loser}-attempt2" }.Order(StringComparer.Ordinal),
            received.Items.Select(item => item.Event.Token).Where(token => token != "fence").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_busy_SQLite_database_is_retried_until_the_writer_holding_the_lock_commits()
    {
        await using var database = new SqliteTestDatabase();
        var retried = new LogSignal(2030);
        await using var host = await OutboxTestHost.StartAsync(
            outbox => outbox.UseSqlite(database.ConnectionString + ";Default Timeout=1").Configure(o => o.TableName = database.Table),
            o => o.GracePeriod = TimeSpan.FromMinutes(5),
            services: services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(retried)));
        await CreateCounterAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("atomic-sqlite", received.HandleAsync);
        var atomic = host.Services.GetRequiredService<IAtomicProcedures>();

        Task<int> procedure;
        await using (var blocker = await database.OpenAsync())
        {
            await using var holding = await blocker.BeginTransactionAsync(IsolationLevel.Serializable);
            await TestDatabase.ExecuteAsync(holding, $"UPDATE {database.Table}_counter SET value = 100 WHERE id = 1");
            procedure = atomic.ExecuteAtomicAsync(async (transaction, ct) =>
            {
                var value = await IncrementAsync(database, transaction);
                await host.Outbox.AddAsync(new OrderPlaced(1, value, "after-busy"), transaction, ct);
                return value;
            }, IsolationLevel.Serializable).AsTask();

            // Either the retry is logged, or the procedure failed and awaiting it shows why.
            await Task.WhenAny(retried.Seen, procedure).WaitAsync(TimeSpan.FromSeconds(30));
            if (procedure.IsCompleted)
            {
                await procedure;
            }

            Assert.False(procedure.IsCompleted);
            await holding.CommitAsync();
        }

        Assert.Equal(101, await procedure.WaitAsync(TimeSpan.FromSeconds(30)));
        await AssertEventsAsync(host, received, 1);
        Assert.Equal("after-busy", received.Items[0].Event.Token);
    }

    [Fact]
    public async Task A_procedure_that_throws_something_else_is_not_retried_and_sends_nothing()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMinutes(5));
        await CreateCounterAsync(database);
        var atomic = host.Services.GetRequiredService<IAtomicProcedures>();
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => atomic.ExecuteAtomicAsync(async (transaction, ct) =>
        {
            attempts++;
            await IncrementAsync(database, transaction);
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "failed"), transaction, ct);
            throw new InvalidOperationException("business rule");
        }, IsolationLevel.Serializable).AsTask());

        Assert.Equal(1, attempts);
        Assert.Equal(0, await CounterAsync(database));
        Assert.Equal(0, await database.CountPendingAsync());
    }

    internal static async Task CreateCounterAsync(TestDatabase database)
    {
        await database.ExecuteAsync($"CREATE TABLE {database.Table}_counter (id integer PRIMARY KEY, value integer NOT NULL)");
        await database.ExecuteAsync($"INSERT INTO {database.Table}_counter (id, value) VALUES (1, 0)");
    }

    internal static async Task<int> CounterAsync(TestDatabase database) =>
        Convert.ToInt32(await database.ScalarAsync($"SELECT value FROM {database.Table}_counter WHERE id = 1"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits for <paramref name="count"/> events, then a fence: the listener gets events in order, so an extra one would show before it.</summary>
    internal static async Task AssertEventsAsync(OutboxTestHost host, Received<OrderPlaced> received, int count)
    {
        await received.WaitForAsync(count);
        await host.Events.SendAsync(new OrderPlaced(0, 0, "fence"));
        await received.WaitForAsync(count + 1);
        Assert.Equal(count + 1, received.Items.Count);
        Assert.Equal("fence", received.Items[^1].Event.Token);
    }

    private static async Task<int> IncrementAsync(TestDatabase database, DbTransaction transaction)
    {
        var value = Convert.ToInt32(await TestDatabase.ExecuteAsync(transaction, $"SELECT value FROM {database.Table}_counter WHERE id = 1"), System.Globalization.CultureInfo.InvariantCulture) + 1;
        await TestDatabase.ExecuteAsync(transaction, $"UPDATE {database.Table}_counter SET value = {value} WHERE id = 1");
        return value;
    }
}
