using Microsoft.Extensions.DependencyInjection;
using System.Data.Common;
using Eventing.Local;

namespace Eventing.Outbox.Tests;

/// <summary>What every store must do; run against real SQLite and real PostgreSQL by the classes below.</summary>
public abstract class OutboxContractTests
{
    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    [Fact]
    public async Task Rollback_sends_nothing()
    {
        await using var database = await CreateDatabaseAsync();
        var received = new Received<OrderPlaced>();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.Zero);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("rollback", received.HandleAsync);

        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 1, "rolled-back"), transaction);
            await transaction.RollbackAsync();
        }

        // A committed event afterwards is the fence: the listener gets events in order, so once it is here the
        // rolled-back one would have been too. The relay runs with no grace period meanwhile.
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await host.Outbox.AddAsync(new OrderPlaced(1, 2, "committed"), transaction);
            await host.Outbox.CommitAsync(transaction);
        }

        await received.WaitForAsync(1);
        var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal(0, flushed.Sent);
        Assert.Equal(["committed"], received.Items.Select(item => item.Event.Token));
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task Commit_sends_exactly_the_recorded_events_with_their_pipeline_headers_and_deletes_their_rows()
    {
        await using var database = await CreateDatabaseAsync();
        var received = new Received<OrderPlaced>();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("commit", received.HandleAsync);

        var ids = new List<string>();
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            for (var i = 0; i < 3; i++)
            {
                host.Session.Current = $"session-{i}";
                ids.Add(await host.Outbox.AddAsync(new OrderPlaced(1, i, $"t{i}"), [new("tenant", "acme")], transaction));
            }

            // The request moves on: headers must reflect the session at record time, not at send time.
            host.Session.Current = "later";
            Assert.Equal(3, await CountInTransactionAsync(transaction, database.Table));
            await host.Outbox.CommitAsync(transaction);
        }

        // The rows go as soon as the provider confirmed, before CommitAsync returns.
        Assert.Equal(0, await database.CountPendingAsync());
        host.Session.Current = null;
        await host.Events.SendAsync(new OrderPlaced(0, 99, "fence"));
        await received.WaitForAsync(4);

        var items = received.Items;
        Assert.Equal(["fence", "t0", "t1", "t2"], items.Select(item => item.Event.Token).Order(StringComparer.Ordinal));
        var recorded = items.Where(item => item.Event.Token != "fence").OrderBy(item => item.Event.Number).ToList();
        Assert.Equal(ids, recorded.Select(item => item.Envelope.Id));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"session-{i}", recorded[i].Envelope.Headers["session"]);
            Assert.Equal("acme", recorded[i].Envelope.Headers["tenant"]);
        }
    }

    [Fact]
    public async Task A_commit_outside_the_outbox_is_sent_by_the_relay_after_the_grace_period_with_the_same_id()
    {
        await using var database = await CreateDatabaseAsync();
        var received = new Received<OrderPlaced>();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMilliseconds(300));
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("relay", received.HandleAsync);

        string id;
        await using (var connection = await database.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            id = await host.Outbox.AddAsync(new OrderPlaced(1, 1, "relayed"), transaction);
            await transaction.CommitAsync();
        }

        await received.WaitForAsync(1);
        var (@event, envelope) = Assert.Single(received.Items);
        Assert.Equal("relayed", @event.Token);
        Assert.Equal(id, envelope.Id);
        Assert.True(DateTimeOffset.UtcNow - envelope.Time >= TimeSpan.FromMilliseconds(300), "the relay must leave young rows to the send after commit");
        await host.StopAsync();
        Assert.Equal(0, await database.CountPendingAsync());
    }

    [Fact]
    public async Task Ordered_mode_sends_each_key_in_commit_order_under_concurrent_writers()
    {
        const int Writers = 8;
        const int PerWriter = 40;
        await using var database = await CreateDatabaseAsync();
        await database.ExecuteAsync(
            $"CREATE TABLE {database.Table}_counter (id integer PRIMARY KEY, v bigint NOT NULL); " +
            $"INSERT INTO {database.Table}_counter VALUES (1, 0); " +
            $"CREATE TABLE {database.Table}_commits (token text PRIMARY KEY, v bigint NOT NULL);");
        var received = new Received<OrderPlaced>();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o =>
        {
            o.Ordered = true;
            o.BatchSize = 25;
        });
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("ordered", received.HandleAsync);

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; n < PerWriter; n++)
            {
                var token = $"{writer}-{n}";
                await using var connection = await database.OpenAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await host.Outbox.AddAsync(new OrderPlaced(writer, n, token), transaction);

                // Let other writers in between the insert and the commit, where a store that draws the sequence at
                // insert time would lose commit order.
                await Task.Delay(Random.Shared.Next(0, 3));

                // The counter row is locked until commit, so its value is the commit order of these transactions.
                var order = await TestDatabase.ExecuteAsync(transaction, $"UPDATE {database.Table}_counter SET v = v + 1 WHERE id = 1 RETURNING v");
                await TestDatabase.ExecuteAsync(transaction, $"INSERT INTO {database.Table}_commits (token, v) VALUES (@token, @v)", ("@token", token), ("@v", order!));
                await host.Outbox.CommitAsync(transaction);
            }
        })));

        await received.WaitForAsync(Writers * PerWriter, TimeSpan.FromSeconds(60));
        var commitOrder = await ReadCommitOrderAsync(database);
        var tokens = received.Items.Select(item => item.Event.Token).ToList();
        Assert.Equal(Writers * PerWriter, tokens.Distinct().Count());
        Assert.Equal(commitOrder, tokens);
    }

    private static async Task<List<string>> ReadCommitOrderAsync(TestDatabase database)
    {
        var tokens = new List<string>();
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT token FROM {database.Table}_commits ORDER BY v";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tokens.Add(reader.GetString(0));
        }

        return tokens;
    }

    private static async Task<long> CountInTransactionAsync(DbTransaction transaction, string table) =>
        Convert.ToInt64(await TestDatabase.ExecuteAsync(transaction, $"SELECT COUNT(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class SqliteOutboxTests : OutboxContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult<TestDatabase>(new SqliteTestDatabase());
}

public sealed class PostgreSqlOutboxTests : OutboxContractTests
{
    protected override async Task<TestDatabase> CreateDatabaseAsync() => await PostgresTestDatabase.StartAsync();
}
