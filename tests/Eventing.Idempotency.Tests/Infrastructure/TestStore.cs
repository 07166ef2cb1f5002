using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Eventing.Idempotency.Tests;

/// <summary>One store of a test, with a table or key prefix of its own; removed afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private string _sqliteFile = string.Empty;

    private TestStore(string kind) => Kind = kind;

    public string Kind { get; }

    public string Table { get; } = "idem_" + Guid.NewGuid().ToString("N")[..12];

    public string Prefix { get; } = "idem-test:" + Guid.NewGuid().ToString("N")[..12] + ":";

    public string ConnectionString { get; private init; } = string.Empty;

    public bool IsSql => Kind != "redis";

    public static TheoryData<string> All => ["sqlite", "postgres", "redis"];

    public static TheoryData<string> Sql => ["sqlite", "postgres"];

    public static async Task<TestStore> CreateAsync(string kind)
    {
        switch (kind)
        {
            case "sqlite":
                var file = Path.Combine(Path.GetTempPath(), $"eventing-idem-{Guid.NewGuid():N}.db");
                return new TestStore(kind) { ConnectionString = $"Data Source={file};Pooling=False", _sqliteFile = file };
            case "postgres":
                return new TestStore(kind) { ConnectionString = await TestServices.PostgresAsync() };
            case "redis":
                await TestServices.RedisAsync();
                return new TestStore(kind) { ConnectionString = TestServices.RedisConfiguration };
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite, postgres or redis");
        }
    }

    public void Use(IdempotencyBuilder idempotency)
    {
        switch (Kind)
        {
            case "sqlite":
                idempotency.UseSqlite(ConnectionString, o => o.TableName = Table);
                break;
            case "postgres":
                idempotency.UsePostgreSql(ConnectionString, o => o.TableName = Table);
                break;
            default:
                idempotency.UseRedis(ConnectionString, o => o.KeyPrefix = Prefix);
                break;
        }
    }

    public async Task<DbConnection> OpenAsync()
    {
        DbConnection connection = Kind == "sqlite" ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many processed-message records the store holds for this test.</summary>
    public async Task<long> RecordCountAsync()
    {
        if (IsSql)
        {
            // No table yet means the store was never used: no records.
            var exists = await ScalarAsync(Kind == "sqlite"
                ? $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{Table}'"
                : $"SELECT COUNT(*) FROM pg_class WHERE relname = '{Table}'");
            return exists == 0 ? 0 : await ScalarAsync($"SELECT COUNT(*) FROM {Table}");
        }

        var redis = await TestServices.RedisAsync();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        long count = 0;
        await foreach (var _ in server.KeysAsync(pattern: Prefix + "inbox:*"))
        {
            count++;
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        switch (Kind)
        {
            case "sqlite":
                SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(_sqliteFile + suffix);
                }

                break;
            case "postgres":
                await ExecuteAsync($"DROP TABLE IF EXISTS {Table}, {Table}_orders; DELETE FROM eventing_schema WHERE component = 'idempotency:{Table}';");
                break;
            default:
                var redis = await TestServices.RedisAsync();
                var server = redis.GetServer(redis.GetEndPoints()[0]);
                await foreach (var key in server.KeysAsync(pattern: Prefix + "*"))
                {
                    await redis.GetDatabase().KeyDeleteAsync(key);
                }

                break;
        }
    }
}
