using Microsoft.Data.Sqlite;
using Npgsql;
using StackExchange.Redis;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>One idempotency store of a test, with a table or key prefix of its own; removed afterwards.</summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eventing-http-idem-").FullName;

    private TestStore(string kind) => Kind = kind;

    public string Kind { get; }

    public string Table { get; } = "http_idem_" + Guid.NewGuid().ToString("N")[..12];

    public string Prefix { get; } = "http-idem-test:" + Guid.NewGuid().ToString("N")[..12] + ":";

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>A SQLite file of this test for the app's own data (orders, EF entities).</summary>
    public string DataConnectionString => $"Data Source={Path.Combine(_directory, "data.db")}";

    public static TheoryData<string> All => ["sqlite", "postgres", "redis"];

    public static TheoryData<string> Sql => ["sqlite", "postgres"];

    public static async Task<TestStore> CreateAsync(string kind)
    {
        var store = new TestStore(kind);
        store.ConnectionString = kind switch
        {
            "sqlite" => $"Data Source={Path.Combine(store._directory, "idempotency.db")}",
            "postgres" => await TestServices.PostgresAsync(),
            "redis" => await RedisAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "sqlite, postgres or redis"),
        };
        return store;
    }

    public void Use(HttpIdempotencyBuilder idempotency)
    {
        _ = Kind switch
        {
            "sqlite" => idempotency.UseSqlite(ConnectionString, o => o.TableName = Table),
            "postgres" => idempotency.UsePostgreSql(ConnectionString, o => o.TableName = Table),
            _ => idempotency.UseRedis(ConnectionString, o => o.KeyPrefix = Prefix),
        };
    }

    /// <summary>Completes when Redis expires one of this test's keys (keyspace notification), the signal of expiry tests.</summary>
    public async Task<Task> ExpiryAsync(string keys = "http:")
    {
        // The same notification setting ("Ex") as the listener idempotency tests, which share this Redis.
        var redis = await TestServices.RedisAsync();
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("__keyevent@0__:expired"), (_, key) =>
        {
            if (key.ToString().StartsWith(Prefix + keys, StringComparison.Ordinal))
            {
                expired.TrySetResult();
            }
        });
        return expired.Task;
    }

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (TestServices.PostgresUsed)
        {
            // Any kind of test may keep its orders or outbox in PostgreSQL, under this test's table name.
            await using (var connection = new NpgsqlConnection(await TestServices.PostgresAsync()))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"DROP TABLE IF EXISTS {Table}, {Table}_resources, {Table}_orders, {Table}_outbox; " +
                    $"DO $$ BEGIN IF to_regclass('eventing_schema') IS NOT NULL THEN DELETE FROM eventing_schema WHERE component IN ('http-idempotency:{Table}', 'outbox:{Table}_outbox'); END IF; END $$;";
                await command.ExecuteNonQueryAsync();
            }
        }

        switch (Kind)
        {
            case "redis":
                var redis = await TestServices.RedisAsync();
                var server = redis.GetServer(redis.GetEndPoints()[0]);
                await foreach (var key in server.KeysAsync(pattern: Prefix + "*"))
                {
                    await redis.GetDatabase().KeyDeleteAsync(key);
                }

                break;
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<string> RedisAsync()
    {
        await TestServices.RedisAsync();
        return TestServices.RedisConfiguration;
    }
}
