using System.Data.Common;
using Eventing.Idempotency.Storage;
using Eventing.Outbox.PostgreSql;
using Npgsql;

namespace Eventing.Idempotency.PostgreSql;

/// <summary>
/// Processed-message records in a PostgreSQL table. The record is inserted in a transaction that stays open while the
/// handler runs, so the handler's writes and the record commit or roll back together. A duplicate handled in parallel
/// waits on the first one's uncommitted row, then sees it committed (skip) or rolled back (runs).
/// </summary>
internal sealed class PostgreSqlProcessedMessageStore : IProcessedMessageStore, IAsyncDisposable
{
    // Purging in slices keeps each delete short, so it never holds locks on a large part of a big table.
    private const int PurgeBatch = 10_000;

    private readonly PostgreSqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly string _tableName;
    private readonly string _table;
    private readonly string _claimSql;
    private readonly string _purgeSql;
    private readonly LazySchema _schema;

    public PostgreSqlProcessedMessageStore(PostgreSqlDatabase database, string tableName, TimeProvider time)
    {
        _database = database;
        _time = time;
        _tableName = tableName;
        _schema = new LazySchema(cancellationToken => _database.MigrateAsync($"idempotency:{_tableName}", SchemaSteps(), cancellationToken));
        _table = PostgreSqlDatabase.Quote(tableName);

        // An expired record counts as absent: the upsert takes it over instead of failing on the key.
        _claimSql = $"INSERT INTO {_table} (queue, message_id, expires_at) VALUES ($1, $2, $3) " +
                    $"ON CONFLICT (queue, message_id) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $4;";
        _purgeSql = $"DELETE FROM {_table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {_table} WHERE expires_at <= $1 LIMIT {PurgeBatch}));";
    }

    public async ValueTask<IProcessedMessageClaim?> TryClaimAsync(string queue, string messageId, TimeSpan window, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            // Npgsql sends BEGIN with the first command, so claiming costs one round trip.
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await using var command = new NpgsqlCommand(_claimSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (now + window).UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
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
            var now = _time.GetUtcNow().UtcDateTime;
            long total = 0;
            while (true)
            {
                await using var command = new NpgsqlCommand(_purgeSql, connection);
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now });
                var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                total += deleted;
                if (deleted < PurgeBatch)
                {
                    return total;
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private Task EnsureSchemaAsync(CancellationToken cancellationToken) => _schema.EnsureAsync(cancellationToken);

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

    private static async ValueTask DisposeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Claim(NpgsqlConnection connection, NpgsqlTransaction transaction) : IProcessedMessageClaim
    {
        public DbTransaction? Transaction => transaction;

        public async ValueTask CompleteAsync(CancellationToken cancellationToken) =>
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Disposing an uncommitted transaction rolls it back: the record and the handler's writes go together.
        public ValueTask DisposeAsync() => PostgreSqlProcessedMessageStore.DisposeAsync(connection, transaction);
    }
}
