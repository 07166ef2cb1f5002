using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

public sealed class Counter
{
    public int Id { get; set; }

    public int Value { get; set; }
}

public sealed class CounterDb(DbContextOptions<CounterDb> options, string table) : DbContext(options)
{
    public string Table => table;

    public DbSet<Counter> Counters => Set<Counter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Counter>(counter =>
        {
            counter.ToTable(table + "_counter");
            counter.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
            counter.Property(c => c.Value).HasColumnName("value");
        });
        modelBuilder.AddOutbox(table);
    }

    public sealed class CacheKeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), ((CounterDb)context).Table, designTime);
    }
}

/// <summary>db.ExecuteAtomicAsync on real PostgreSQL: a SaveChanges that loses a serialization conflict is redone.</summary>
public sealed class EntityFrameworkCoreAtomicTests
{
    [Fact]
    public async Task A_conflicting_SaveChanges_is_redone_from_a_clean_context_and_only_committed_events_are_sent()
    {
        await using var database = await PostgresTestDatabase.StartAsync();
        await using var host = await OutboxTestHost.StartAsync(database.UseStore, o => o.GracePeriod = TimeSpan.FromMinutes(5));
        await AtomicProcedureTests.CreateCounterAsync(database);
        var received = new Received<OrderPlaced>();
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("ef-atomic-" + database.Table, received.HandleAsync);

        using var bothRead = new Barrier(2);
        var attempts = new int[2];
        async Task<int> WriterAsync(int writer)
        {
            await using var db = CreateContext(host, database);
            return await db.ExecuteAtomicAsync(async (transaction, ct) =>
            {
                var attempt = Interlocked.Increment(ref attempts[writer]);
                var counter = await db.Counters.SingleAsync(c => c.Id == 1, ct);
                if (attempt == 1)
                {
                    await Task.Run(() => bothRead.SignalAndWait(TimeSpan.FromSeconds(30)), ct);
                }

                counter.Value++;
                db.AddEvent(new OrderPlaced(writer, counter.Value, $"ef-writer{writer}-attempt{attempt}"));
                await db.SaveChangesAsync(ct);
                return counter.Value;
            }, IsolationLevel.Serializable);
        }

        var results = await Task.WhenAll(Task.Run(() => WriterAsync(0)), Task.Run(() => WriterAsync(1)));

        Assert.Equal([1, 2], results.Order());
        Assert.Equal(3, attempts[0] + attempts[1]);
        Assert.Equal(2, await AtomicProcedureTests.CounterAsync(database));
        await AtomicProcedureTests.AssertEventsAsync(host, received, 2);
        var loser = attempts[0] == 2 ? 0 : 1;
        Assert.Equal(
            new[] { $"ef-writer{1 - loser}-attempt1", $"ef-writer{loser}-attempt2" }.Order(StringComparer.Ordinal),
            received.Items.Select(item => item.Event.Token).Where(token => token != "fence").Order(StringComparer.Ordinal));
        Assert.Equal(0, await database.CountPendingAsync());
    }

    private static CounterDb CreateContext(OutboxTestHost host, TestDatabase database)
    {
        var options = new DbContextOptionsBuilder<CounterDb>();
        options.UseNpgsql(database.ConnectionString)
            .UseOutbox(host.Services)
            .UseApplicationServiceProvider(host.Services)
            .ReplaceService<IModelCacheKeyFactory, CounterDb.CacheKeyFactory>();
        return new CounterDb(options.Options, database.Table);
    }
}
