using Eventing.Idempotency.Storage;
using Eventing.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace Eventing.Idempotency.Sqlite;

/// <summary>
/// Processed-message records in a SQLite table, in a write transaction that stays open while the handler runs
/// (<see cref="SqlProcessedMessageStore{TConnection, TTransaction}"/>). SQLite has one writer at a time, so a
/// duplicate handled in parallel waits for the first one's commit or rollback.
/// </summary>
internal sealed class SqliteProcessedMessageStore : SqlProcessedMessageStore<SqliteConnection, SqliteTransaction>
{
    private readonly SqliteDatabase _database;
    private readonly string _table;
    private readonly string _tableName;
    private readonly string _claimSql;
    private readonly string _purgeSql;

    public SqliteProcessedMessageStore(SqliteDatabase database, string tableName, TimeProvider time)
        : base(time)
    {
        _database = database;
        _tableName = tableName;
        _table = SqliteDatabase.Quote(tableName);

        // An expired record counts as absent: the upsert takes it over instead of failing on the key.
        _claimSql = $"INSERT INTO {_table} (queue, message_id, expires_at) VALUES ($queue, $id, $expires) " +
                    $"ON CONFLICT (queue, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $now;";
        _purgeSql = $"DELETE FROM {_table} WHERE expires_at <= $now;";
    }

    protected override Task MigrateAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync($"idempotency:{_tableName}", SchemaSteps(), cancellationToken);

    protected override ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        new(_database.OpenAsync(cancellationToken));

    // BEGIN IMMEDIATE: take the write lock before reading, so two duplicates cannot both see "absent".
    // Microsoft.Data.Sqlite is synchronous underneath; its async BeginTransaction cannot ask for IMMEDIATE.
    protected override ValueTask<SqliteTransaction> BeginAsync(SqliteConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult(connection.BeginTransaction(deferred: false));

    protected override async Task<bool> ClaimAsync(SqliteConnection connection, SqliteTransaction transaction, string queue, string messageId, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _claimSql;
        command.Parameters.AddWithValue("$queue", queue);
        command.Parameters.AddWithValue("$id", messageId);
        command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    protected override async Task<long> PurgeAsync(SqliteConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _purgeSql;
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private string[] SchemaSteps()
    {
        var index = SqliteDatabase.Quote(_tableName.Replace('.', '_') + "_expires");
        return
        [
            $"CREATE TABLE IF NOT EXISTS {_table} (queue TEXT NOT NULL, message_id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (queue, message_id)) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS {index} ON {_table} (expires_at);",
        ];
    }
}
