using System.Data.Common;
using Eventing.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Eventing.Benchmarks.RabbitMq;
using Npgsql;

namespace Eventing.Benchmarks.Outbox;

[Event("bench.outbox.order-placed", Durable = true)]
public sealed record BenchOrderPlaced(int Number, string Customer);

/// <summary>
/// One app with the outbox on SQLite or PostgreSQL and the RabbitMQ provider, plus a consumer on a bound queue, as the
/// benchmarks share it. Needs `eng/services.sh up` (RabbitMQ on 5672, PostgreSQL on 55432).
/// </summary>
internal sealed class OutboxBench : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hosted;
    private readonly string _directory;
    private IAsyncDisposable? _subscription;

    private OutboxBench(ServiceProvider services, string store, string connectionString, string table, string directory)
    {
        _services = services;
        _hosted = [.. services.GetServices<IHostedService>()];
        Store = store;
        ConnectionString = connectionString;
        Table = table;
        _directory = directory;
    }


    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("EVENTING_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=eventing";

    public string Store { get; }

    public string ConnectionString { get; }

    public string Table { get; }

    public IOutbox Outbox => _services.GetRequiredService<IOutbox>();

    public OutboxFlusher Flusher => _services.GetRequiredService<OutboxFlusher>();

    public IEventManager Events => _services.GetRequiredService<IEventManager>();

    public IServiceProvider Services => _services;

    public static async Task<OutboxBench> StartAsync(string store, bool rabbitMq = true)
    {
        var directory = Directory.CreateTempSubdirectory("eventing-outbox-bench-").FullName;
        var table = "bench_outbox_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = store == "sqlite" ? $"Data Source={Path.Combine(directory, "bench.db")}" : PostgresConnectionString;
        var services = new ServiceCollection();
        services.AddEventing(events =>
        {
            events.AddEvent<BenchOrderPlaced>().AddOutbox(outbox =>
            {
                if (store == "sqlite")
                {
                    outbox.UseSqlite(connectionString);
                }
                else
                {
                    outbox.UsePostgreSql(connectionString);
                }

                outbox.Configure(o =>
                {
                    o.TableName = table;
                    o.RunRelay = false;
                    o.BatchSize = 1000;
                    o.MaxSendsInFlight = 256;
                });
            });
            if (rabbitMq)
            {
                events.UseRabbitMq(rabbit => rabbit.Uri = TestBroker.Uri);
            }
            else
            {
                events.UseLocal();
            }
        });
        var bench = new OutboxBench(services.BuildServiceProvider(), store, connectionString, table, directory);
        foreach (var hosted in bench._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        // A bound queue with a consumer, so the broker routes, stores and delivers every message as in production.
        bench._subscription = await bench.Events.SubscribeAsync<BenchOrderPlaced>("bench-outbox-" + table, (_, _, _) => default, perProcess: true);
        return bench;
    }

    public async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = Store == "sqlite" ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Records events in transactions of 500 committed outside the outbox, so they wait for the relay.</summary>
    public async Task RecordPendingAsync(int count)
    {
        await using var connection = await OpenAsync();
        for (var done = 0; done < count;)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            for (var i = 0; i < 500 && done < count; i++, done++)
            {
                await Outbox.AddAsync(new BenchOrderPlaced(done, "customer-42"), transaction);
            }

            await transaction.CommitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync();
        }

        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        if (Store == "postgresql")
        {
            await using var connection = await OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP TABLE IF EXISTS {Table} CASCADE; DROP FUNCTION IF EXISTS \"{Table}_order\"() CASCADE; DELETE FROM eventing_schema WHERE component = 'outbox:{Table}';";
            await drop.ExecuteNonQueryAsync();
        }

        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
