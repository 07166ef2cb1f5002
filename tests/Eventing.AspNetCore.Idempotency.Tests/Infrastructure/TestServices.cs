using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace Eventing.AspNetCore.Idempotency.Tests;

/// <summary>
/// The PostgreSQL, Redis and RabbitMQ of eng/, started once per test run (the scripts are idempotent). A service that
/// cannot be reached fails the tests: they are never skipped, so CI cannot go green without having run them.
/// </summary>
public static class TestServices
{
    private static readonly Lazy<Task<string>> Postgres = new(StartPostgresAsync);
    private static readonly Lazy<Task<ConnectionMultiplexer>> Redis = new(StartRedisAsync);
    private static readonly Lazy<Task<Uri>> RabbitMq = new(StartRabbitMqAsync);

    public static Task<string> PostgresAsync() => Postgres.Value;

    /// <summary>Whether a test of this run used PostgreSQL (for its own data, an outbox or the store).</summary>
    public static bool PostgresUsed => Postgres.IsValueCreated;

    public static Task<ConnectionMultiplexer> RedisAsync() => Redis.Value;

    public static Task<Uri> RabbitMqAsync() => RabbitMq.Value;

    public static string RedisConfiguration => Environment.GetEnvironmentVariable("EVENTING_REDIS") ?? "127.0.0.1:56379";

    private static async Task<string> StartPostgresAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("EVENTING_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=eventing";
        await RunAsync("postgres.sh");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connectionString;
    }

    private static async Task<ConnectionMultiplexer> StartRedisAsync()
    {
        await RunAsync("redis.sh");

        // Admin mode for CONFIG SET (keyspace notifications, the signal of the expiry tests).
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await server.ConfigSetAsync("notify-keyspace-events", "Ex");
        return redis;
    }

    private static async Task<Uri> StartRabbitMqAsync()
    {
        await RunAsync("brokers.sh");
        return new Uri(Environment.GetEnvironmentVariable("EVENTING_RABBITMQ_URI") ?? "amqp://guest:guest@127.0.0.1:5672/");
    }

    private static async Task RunAsync(string script)
    {
        var path = Path.Combine(RepositoryRoot(), "eng", script);
        using var process = Process.Start(new ProcessStartInfo("bash", [path, "up"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/{script} up failed ({process.ExitCode}): {await error}{await output}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Eventing.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Eventing.sln not found above {AppContext.BaseDirectory}.");
    }
}
