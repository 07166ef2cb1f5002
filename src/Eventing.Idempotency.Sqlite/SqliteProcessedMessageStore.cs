using System.Data.Common;
using Eventing.Idempotency.Storage;
using Eventing.Outbox.Sqlite;
using Microsoft.Data.Sqlite;

namespace Eventing.Idempotency.Sqlite;

/// <summary>
/// Processed-message records in a SQLite table. The record is inserted in a write transaction that stays open while
/// the handler runs, so the handler's writes and the record commit or roll back together.
/// </summary>
internal sealed class SqliteProcessedMessageStore : IProcessedMessageStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly string _table;
    private readonly string _tableName;
    private readonly string _claimSql;
    private readonly string _purgeSql;
    private readonly LazySchema _schema;

    public SqliteProcessedMessageStore(SqliteDatabase database, string tableName, TimeProvider time)
    {
        _database = database;
        _time = time;
        _tableName = tableName;
        _schema = new LazySchema(cancellationToken => _database.MigrateAsync($"idempotency:{_tableName}", SchemaSteps(), cancellationToken));
        _table = SqliteDatabase.Quote(tableName);

        // An expired record counts as absent: the upsert takes it over instead of failing on the key.
        _claimSql = $"INSERT INTO {_table} (queue, message_id, expires_at) VALUES ($queue, $id, $expires) " +
                    $"ON CONFLICT (queue, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $now;";
        _purgeSql = $"DELETE FROM {_table} WHERE expires_at <= $now;";
    }

    public async ValueTask<IProcessedMessageClaim?> TryClaimAsync(string queue, string messageId, TimeSpan window, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        SqliteTransaction? transaction = null;
        try
        {
            // BEGIN IMMEDIATE: take the write lock before reading, so two duplicates cannot both see "absent".
            transaction = connection.BeginTransaction(deferred: false);
            var now = _time.GetUtcNow();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = _claimSql;
            command.Parameters.AddWithValue("$queue", queue);
            command.Parameters.AddWithValue("$id", messageId);
            command.Parameters.AddWithValue("$expires", (now + window).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return new Claim(connection, transaction);
            }
        }
        catch
        {
            await DisposeAsync(connection, transaction).ConfigureAwait(false);
            throw;
        }

        await DisposeAsync(connection, transaction).ConfigureAwait(false);
        return null;
    }

    public async ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = _purgeSql;
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

    private string[] SchemaSteps()
    {
        var index = SqliteDatabase.Quote(_tableName.Replace('.', '_') + "_expires");
        return
        [
            $"CREATE TABLE IF NOT EXISTS {_table} (queue TEXT NOT NULL, message_id TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (queue, message_id)) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS {index} ON {_table} (expires_at);",
        ];
    }

    private static async ValueTask DisposeAsync(SqliteConnection connection, SqliteTransaction? transaction)
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Claim(SqliteConnection connection, SqliteTransaction transaction) : IProcessedMessageClaim
    {
        public DbTransaction? Transaction => transaction;

        public async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            // Disposing an uncommitted transaction rolls it back: the record and the handler's writes go together.
            await SqliteProcessedMessageStore.DisposeAsync(connection, transaction).ConfigureAwait(false);
        }
    }
}
