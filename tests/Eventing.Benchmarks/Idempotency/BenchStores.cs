using Microsoft.Data.Sqlite;
using Npgsql;
using StackExchange.Redis;

namespace Eventing.Benchmarks.Idempotency;

/// <summary>The stores of the idempotency benchmarks: where they are, and how a run removes what it wrote.</summary>
internal static class BenchStores
{
    public static string Postgres => Environment.GetEnvironmentVariable("EVENTING_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=eventing";

    public static string Redis => Environment.GetEnvironmentVariable("EVENTING_REDIS") ?? "127.0.0.1:56379";

    /// <summary>Deletes the SQLite file, runs <paramref name="postgresCleanup"/> or deletes the Redis keys under <paramref name="redisPrefix"/>.</summary>
    public static async Task RemoveAsync(string store, string sqliteFile, string postgresCleanup, string redisPrefix)
    {
        switch (store)
        {
            case "sqlite":
                SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    File.Delete(sqliteFile + suffix);
                }

                break;
            case "postgresql":
                await using (var connection = new NpgsqlConnection(Postgres))
                {
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand(postgresCleanup, connection);
                    await command.ExecuteNonQueryAsync();
                }

                break;
            case "redis":
                await using (var redis = await ConnectionMultiplexer.ConnectAsync(Redis))
                {
                    var server = redis.GetServer(redis.GetEndPoints()[0]);
                    await foreach (var key in server.KeysAsync(pattern: redisPrefix + "*", pageSize: 1000))
                    {
                        await redis.GetDatabase().KeyDeleteAsync(key, CommandFlags.FireAndForget);
                    }
                }

                break;
        }
    }
}
