using Eventing.Idempotency.Storage;
using Eventing.Persistence.PostgreSql;
using Npgsql;

namespace Eventing.Idempotency.PostgreSql;

/// <summary>
/// Processed-message records in a PostgreSQL table, in a transaction that stays open while the handler runs
/// (<see cref="SqlProcessedMessageStore{TConnection, TTransaction}"/>). A duplicate handled in parallel waits on the
/// first one's uncommitted row, then sees it committed (skip) or rolled back (runs).
/// </summary>
internal sealed class PostgreSqlProcessedMessageStore : SqlProcessedMessageStore<NpgsqlConnection, NpgsqlTransaction>, IAsyncDisposable
{
    // Purging in slices keeps each delete short, so it never holds locks on a large part of a big table.
    private const int PurgeBatch = 10_000;

    private readonly PostgreSqlDatabase _database;
    private readonly string _tableName;
    private readonly string _table;
    private readonly string _claimSql;
    private readonly string _purgeSql;

    public PostgreSqlProcessedMessageStore(PostgreSqlDatabase database, string tableName, TimeProvider time)
        : base(time)
    {
        _database = database;
        _tableName = tableName;
        _table = PostgreSqlDatabase.Quote(tableName);

        // An expired record counts as absent: the upsert takes it over instead of failing on the key.
        _claimSql = $"INSERT INTO {_table} (queue, message_id, expires_at) VALUES ($1, $2, $3) " +
                    $"ON CONFLICT (queue, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $4;";
        _purgeSql = $"DELETE FROM {_table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {_table} WHERE expires_at <= $1 LIMIT {PurgeBatch}));";
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    protected override Task MigrateAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync($"idempotency:{_tableName}", SchemaSteps(), cancellationToken);

    protected override ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    // Npgsql sends BEGIN with the first command, so claiming costs one round trip.
    protected override ValueTask<NpgsqlTransaction> BeginAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        connection.BeginTransactionAsync(cancellationToken);

    protected override async Task<bool> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string queue, string messageId, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_claimSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = expires.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    protected override async Task<long> PurgeAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(_purgeSql, connection);
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < PurgeBatch)
            {
                return total;
            }
        }
    }

    private string[] SchemaSteps()
    {
        var dot = _tableName.IndexOf('.', StringComparison.Ordinal);
        var index = $"\"{_tableName[(dot + 1)..]}_expires\"";
        return
        [
            $"CREATE TABLE IF NOT EXISTS {_table} (queue text NOT NULL, message_id text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (queue, message_id)); " +
            $"CREATE INDEX IF NOT EXISTS {index} ON {_table} (expires_at);",
        ];
    }
}
