using System.Data.Common;
using System.Diagnostics;
using Eventing.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Eventing.Cli.Tests;

/// <summary>
/// An application's outbox table in a real SQLite file or PostgreSQL database, and the application that records
/// events into it with its relay off and nothing sent after commit: what `eventing outbox flush` finds after a crash
/// or while the application is down.
/// </summary>
internal sealed class TestOutbox : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> Postgres = new(StartPostgresAsync);

    private TestOutbox(string store, string connectionString, string table)
    {
        Store = store;
        ConnectionString = connectionString;
        Table = table;
    }

    public string Store { get; }

    public string ConnectionString { get; }

    public string Table { get; }

    /// <summary>The CLI flags that name this outbox.</summary>
    public string[] Flags => ["--store", Store, "--connection", ConnectionString, "--table", Table];

    public static TestOutbox Sqlite() =>
        new("sqlite", $"Data Source={Path.Combine(Path.GetTempPath(), $"eventing-cli-outbox-{Guid.NewGuid():N}.db")}", "eventing_outbox");

    /// <summary>A table of its own in the PostgreSQL of eng/postgres.sh (started once; a database that is not there fails the test).</summary>
    public static async Task<TestOutbox> PostgreSqlAsync() =>
        new("postgresql", await Postgres.Value, "cli_outbox_" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Records each event in its own committed transaction, as the app would, and returns the message ids.</summary>
    public async Task<List<string>> RecordAsync<TEvent>(IEnumerable<TEvent> events, IReadOnlyList<KeyValuePair<string, string>> headers)
        where TEvent : notnull
    {
        var services = new ServiceCollection();
        services.AddEventing(builder => builder
            .AddEvent<TEvent>()
            .AddOutbox(outbox =>
            {
                _ = Store == "sqlite" ? outbox.UseSqlite(ConnectionString) : outbox.UsePostgreSql(ConnectionString);
                outbox.Configure(options =>
                {
                    options.TableName = Table;
                    options.RunRelay = false;
                });
            })
            .UseLocal());
        await using var app = services.BuildServiceProvider();
        var hosted = app.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            // Creates the table, as the application does when it starts.
            await service.StartAsync(CancellationToken.None);
        }

        var ids = new List<string>();
        var recorder = app.GetRequiredService<IOutbox>();
        foreach (var @event in events)
        {
            await using var connection = await OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            ids.Add(await recorder.AddAsync(@event, headers, transaction));

            // A plain commit, not outbox.CommitAsync: nothing is sent, the rows stay pending (like a crash after commit).
            await transaction.CommitAsync();
        }

        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        return ids;
    }

    public async Task<long> CountRowsAsync() => Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM {Table}"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The recorded rows, by message id: their CloudEvents source and time as stored.</summary>
    public async Task<Dictionary<string, (string Source, string Time)>> RowsAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT message_id, source, time FROM {Table}";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (string, string)>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return rows;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Store == "sqlite")
        {
            SqliteConnection.ClearAllPools();
            File.Delete(new SqliteConnectionStringBuilder(ConnectionString).DataSource);
        }
        else
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {Table}");
        }
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = Store == "sqlite" ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> StartPostgresAsync()
    {
        var start = new ProcessStartInfo("bash", ["eng/postgres.sh", "up"])
        {
            WorkingDirectory = TestBrokers.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run eng/postgres.sh up");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/postgres.sh up failed with exit code {process.ExitCode}: {await error}{await output}");
        }

        foreach (var line in (await output).Split('\n'))
        {
            if (line.StartsWith("EVENTING_POSTGRES=", StringComparison.Ordinal))
            {
                return line["EVENTING_POSTGRES=".Length..].Trim();
            }
        }

        return Environment.GetEnvironmentVariable("EVENTING_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=eventing";
    }
}
