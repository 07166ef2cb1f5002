using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Eventing.Outbox.PostgreSql;
using Eventing.Outbox.Storage;
using Npgsql;

namespace Eventing.Benchmarks.Outbox;

/// <summary>
/// One relay batch query (lease 500 rows with FOR UPDATE SKIP LOCKED, then release) against a PostgreSQL outbox holding
/// 1,000,000 pending rows. The setup prints the EXPLAIN (ANALYZE) plan, which must use the created_at index.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 20)]
public class OutboxBatchQueryBenchmarks
{
    public const int PendingRows = 1_000_000;

    private PostgreSqlDatabase _database = null!;
    private PostgreSqlOutboxStore _store = null!;
    private string _table = "";

    [Params(false, true)]
    public bool Ordered { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _table = "bench_outbox_1m_" + Guid.NewGuid().ToString("N")[..8];
        _database = new PostgreSqlDatabase(OutboxBench.PostgresConnectionString);
        _store = new PostgreSqlOutboxStore(_database, _table);
        await _store.EnsureSchemaAsync(CancellationToken.None);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await ExecuteAsync(
            $"INSERT INTO \"{_table}\" (message_id, event, ordering_key, durable, created_at, source, time, content_type, headers, body) " +
            $"SELECT gen_random_uuid()::text, 'bench.outbox.order-placed', NULL, true, {now} - 1000000 + n, '/bench', '2025-01-01T00:00:00Z', 'application/json', '{{\"session\":\"s\"}}', convert_to('{{\"number\":' || n || '}}', 'UTF8') " +
            $"FROM generate_series(1, {PendingRows}) AS n; ANALYZE \"{_table}\";");
        var sql = Ordered
            ? $"SELECT seq, message_id, event, ordering_key, durable, created_at, source, time, content_type, headers, body FROM \"{_table}\" ORDER BY seq LIMIT 500 FOR UPDATE"
            : $"SELECT seq, message_id, event, ordering_key, durable, created_at, source, time, content_type, headers, body FROM \"{_table}\" WHERE created_at <= {now} ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED";
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, connection, transaction);
        await using var reader = await explain.ExecuteReaderAsync();
        Console.WriteLine($"// OUTBOX PLAN ({(Ordered ? "ordered" : "unordered")}, {PendingRows:N0} pending rows):");
        while (await reader.ReadAsync())
        {
            Console.WriteLine("//   " + reader.GetString(0));
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await ExecuteAsync($"DROP TABLE IF EXISTS \"{_table}\" CASCADE; DROP FUNCTION IF EXISTS \"{_table}_order\"() CASCADE; DELETE FROM eventing_schema WHERE component = 'outbox:{_table}';");
        await _database.DisposeAsync();
    }

    [Benchmark]
    public async Task<int> LeaseBatch()
    {
        var lease = await _store.LeaseAsync(new OutboxLeaseRequest(500, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Ordered), CancellationToken.None);
        await using (lease)
        {
            return lease.Records.Count;
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
