using Eventing.Idempotency.Storage;
using Eventing.Outbox.Sqlite;
using Microsoft.Data.Sqlite;

namespace Eventing.AspNetCore.Idempotency.Storage.Sqlite;

/// <summary>
/// Idempotency keys in a SQLite table: <c>INSERT … ON CONFLICT</c> claims a key (taking over an expired one), the
/// response and its resource links are written in one transaction, and invalidation flips the state of the rows
/// linked to a resource. States: 0 running, 1 completed, 2 invalidated.
/// </summary>
internal sealed class SqliteHttpResponseStore : IHttpResponseStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly LazySchema _schema;
    private readonly string _claimSql;
    private readonly string _completeSql;
    private readonly string _linkSql;
    private readonly string _releaseSql;
    private readonly string _invalidateSql;
    private readonly string _purgeSql;

    public SqliteHttpResponseStore(SqliteDatabase database, string tableName, TimeProvider time)
    {
        _database = database;
        _time = time;
        var table = SqliteDatabase.Quote(tableName);
        var links = SqliteDatabase.Quote(tableName + "_resources");
        var bare = tableName.Replace('.', '_');
        string[] steps =
        [
            $"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, token TEXT NOT NULL, state INTEGER NOT NULL, response BLOB NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_expires\" ON {table} (expires_at); " +
            $"CREATE TABLE IF NOT EXISTS {links} (resource TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (resource, key)) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_resources_expires\" ON {links} (expires_at);",
        ];
        _schema = new LazySchema(cancellationToken => _database.MigrateAsync($"http-idempotency:{tableName}", steps, cancellationToken));

        // An expired key counts as absent: the upsert takes it over. The SELECT then shows who holds the key.
        _claimSql = $"INSERT INTO {table} (key, fingerprint, token, state, response, expires_at) VALUES ($key, $fingerprint, $token, 0, NULL, $expires) " +
                    $"ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token, state = 0, response = NULL, expires_at = excluded.expires_at WHERE {table}.expires_at <= $now; " +
                    $"SELECT state, fingerprint, token, response FROM {table} WHERE key = $key;";
        _completeSql = $"UPDATE {table} SET state = 1, response = $response, expires_at = $expires WHERE key = $key AND token = $token AND state = 0;";

        // "WHERE true" resolves SQLite's parsing ambiguity between a SELECT's join and the upsert's ON CONFLICT.
        _linkSql = $"INSERT INTO {links} (resource, key, expires_at) SELECT value, $key, $expires FROM json_each($resources) WHERE true " +
                   "ON CONFLICT (resource, key) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at);";
        _releaseSql = $"DELETE FROM {table} WHERE key = $key AND token = $token AND state = 0;";
        _invalidateSql = $"UPDATE {table} SET state = 2, response = NULL WHERE state = 1 AND key <> $except " +
                         $"AND key IN (SELECT key FROM {links} WHERE resource IN (SELECT value FROM json_each($resources)));";
        _purgeSql = $"DELETE FROM {table} WHERE expires_at <= $now; DELETE FROM {links} WHERE expires_at <= $now;";
    }

    public async ValueTask<ClaimOutcome> TryClaimAsync(string key, string fingerprint, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            using var command = Command(connection, _claimSql);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$fingerprint", fingerprint);
            command.Parameters.AddWithValue("$token", token);
            command.Parameters.AddWithValue("$expires", (now + lease).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                // The row was there (or just inserted) a moment ago; only a purge of an expired row can remove it.
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new ClaimOutcome(ClaimState.Running, fingerprint, null);
                }

                return ClaimOutcome.FromRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), token, reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3));
            }
        }
    }

    public async ValueTask<bool> CompleteAsync(string key, string token, byte[] response, IReadOnlyCollection<string> resources, TimeSpan window, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                var expires = (_time.GetUtcNow() + window).ToUnixTimeMilliseconds();
                using var complete = Command(connection, _completeSql, transaction);
                complete.Parameters.AddWithValue("$key", key);
                complete.Parameters.AddWithValue("$token", token);
                complete.Parameters.AddWithValue("$response", response);
                complete.Parameters.AddWithValue("$expires", expires);
                if (await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }

                if (resources.Count > 0)
                {
                    using var link = Command(connection, _linkSql, transaction);
                    link.Parameters.AddWithValue("$key", key);
                    link.Parameters.AddWithValue("$expires", expires);
                    link.Parameters.AddWithValue("$resources", ResourceList.ToJson(resources));
                    await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    public async ValueTask ReleaseAsync(string key, string token, CancellationToken cancellationToken) =>
        await ExecuteAsync(_releaseSql, cancellationToken, ("$key", key), ("$token", token)).ConfigureAwait(false);

    public async ValueTask<long> InvalidateAsync(IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(_invalidateSql, cancellationToken, ("$except", exceptKey), ("$resources", ResourceList.ToJson(resources))).ConfigureAwait(false);
    }

    public async ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(_purgeSql, cancellationToken, ("$now", _time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = Command(connection, sql);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
