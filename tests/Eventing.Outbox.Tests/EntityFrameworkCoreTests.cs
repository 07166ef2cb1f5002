using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Eventing.Outbox.Tests;

public sealed class Order
{
    public string Token { get; set; } = "";
}

public sealed class OrdersDb(DbContextOptions<OrdersDb> options, string table) : DbContext(options)
{
    public string Table => table;

    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable(table + "_orders");
            order.HasKey(o => o.Token);
            order.Property(o => o.Token).HasColumnName("token");
        });
        modelBuilder.AddOutbox(table);
    }

    /// <summary>Each test has tables of its own, so the model is cached per table name.</summary>
    public sealed class CacheKeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), ((OrdersDb)context).Table, designTime);
    }
}

/// <summary>The SaveChanges path, against real SQLite and real PostgreSQL.</summary>
public abstract class EntityFrameworkCoreTests
{
    protected abstract Task<TestDatabase> CreateDatabaseAsync();

    protected abstract void UseDatabase(DbContextOptionsBuilder options, TestDatabase database);

    [Fact]
    public async Task SaveChanges_writes_the_events_in_its_transaction_and_sends_them_after_commit_with_pipeline_headers()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await StartAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("ef", received.HandleAsync);

        await using (var db = CreateContext(host, database))
        {
            host.Session.Current = "ef-session";
            db.Orders.Add(new Order { Token = "o1" });
            db.AddEvent(new OrderPlaced(1, 1, "o1"));
            db.AddEvent(new OrderPlaced(1, 2, "o1-again"));
            await db.SaveChangesAsync();
            host.Session.Current = null;
            Assert.Empty(db.ChangeTracker.Entries<Storage.OutboxRecord>());
        }

        Assert.Equal(0, await database.CountPendingAsync());
        await received.WaitForAsync(2);
        Assert.Equal(["o1", "o1-again"], received.Items.Select(item => item.Event.Token).Order(StringComparer.Ordinal));
        Assert.All(received.Items, item => Assert.Equal("ef-session", item.Envelope.Headers["session"]));
        Assert.Equal(1L, Convert.ToInt64(await database.ScalarAsync($"SELECT COUNT(*) FROM {database.Table}_orders"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_failed_SaveChanges_sends_nothing()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await StartAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("ef-failed", received.HandleAsync);
        await database.ExecuteAsync($"INSERT INTO {database.Table}_orders (token) VALUES ('taken')");

        await using (var db = CreateContext(host, database))
        {
            db.Orders.Add(new Order { Token = "taken" });
            db.AddEvent(new OrderPlaced(1, 1, "duplicate order"));
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = CreateContext(host, database))
        {
            db.Orders.Add(new Order { Token = "fresh" });
            db.AddEvent(new OrderPlaced(1, 2, "fence"));
            await db.SaveChangesAsync();
        }

        await received.WaitForAsync(1);
        var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal(0, flushed.Sent);
        Assert.Equal(["fence"], received.Items.Select(item => item.Event.Token));
    }

    [Fact]
    public async Task Events_saved_in_the_apps_transaction_are_sent_on_its_commit_and_dropped_on_rollback()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await StartAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("ef-transaction", received.HandleAsync);

        await using (var db = CreateContext(host, database))
        {
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                db.Orders.Add(new Order { Token = "rolled-back" });
                db.AddEvent(new OrderPlaced(1, 1, "rolled-back"));
                await db.SaveChangesAsync();
                await transaction.RollbackAsync();
            }

            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                db.Orders.Add(new Order { Token = "committed" });
                db.AddEvent(new OrderPlaced(1, 2, "committed"));
                await db.SaveChangesAsync();
                Assert.Empty(received.Items);
                await transaction.CommitAsync();
            }
        }

        Assert.Equal(0, await database.CountPendingAsync());
        await received.WaitForAsync(1);
        var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal(0, flushed.Sent);
        Assert.Equal(["committed"], received.Items.Select(item => item.Event.Token));
    }

    [Fact]
    public async Task Rows_SaveChanges_wrote_count_in_the_backlog_until_they_are_sent()
    {
        await using var database = await CreateDatabaseAsync();
        await using var host = await StartAsync(database);
        var store = host.Services.GetRequiredService<Storage.IOutboxStore>();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await using (var db = CreateContext(host, database))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Token = "pending" });
            db.AddEvent(new OrderPlaced(1, 1, "pending"));
            await db.SaveChangesAsync();

            // A synchronous commit cannot await the send: the row is left to the relay (its grace period is long here).
            transaction.Commit();
        }

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var backlog = await store.GetBacklogAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        Assert.Equal(1, backlog.Pending);
        Assert.InRange(backlog.OldestPendingSince!.Value, before, after);

        var flushed = await host.Services.GetRequiredService<OutboxFlusher>().FlushAsync();
        Assert.Equal(1, flushed.Sent);
        Assert.Equal(new Storage.OutboxBacklog(0, null), await store.GetBacklogAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None));
    }

    private static async Task<OutboxTestHost> StartAsync(TestDatabase database)
    {
        // A long grace period keeps the relay off these rows: every assertion here is about the send right after
        // commit. With no grace the relay can lease the rows first (SKIP LOCKED), and the after-commit send then
        // correctly leaves them to it, which made "nothing pending once SaveChanges returned" a race.
        var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMinutes(5));
        await database.ExecuteAsync($"CREATE TABLE {database.Table}_orders (token text PRIMARY KEY)");
        return host;
    }

    private OrdersDb CreateContext(OutboxTestHost host, TestDatabase database)
    {
        var options = new DbContextOptionsBuilder<OrdersDb>();
        UseDatabase(options, database);
        options.UseOutbox(host.Services).ReplaceService<IModelCacheKeyFactory, OrdersDb.CacheKeyFactory>();
        return new OrdersDb(options.Options, database.Table);
    }
}

public sealed class SqliteEntityFrameworkCoreTests : EntityFrameworkCoreTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => Task.FromResult<TestDatabase>(new SqliteTestDatabase());

    protected override void UseDatabase(DbContextOptionsBuilder options, TestDatabase database) => options.UseSqlite(database.ConnectionString);
}

public sealed class PostgreSqlEntityFrameworkCoreTests : EntityFrameworkCoreTests
{
    protected override async Task<TestDatabase> CreateDatabaseAsync() => await PostgresTestDatabase.StartAsync();

    protected override void UseDatabase(DbContextOptionsBuilder options, TestDatabase database) => options.UseNpgsql(database.ConnectionString);
}
