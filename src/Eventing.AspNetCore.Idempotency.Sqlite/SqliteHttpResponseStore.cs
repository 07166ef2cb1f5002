using Eventing.AspNetCore.Idempotency.Storage;
using Eventing.Persistence.Sqlite;
using Microsoft.Data.Sqlite;

namespace Eventing.AspNetCore.Idempotency.Sqlite;

/// <summary>
/// Idempotency keys in a SQLite table (<see cref="SqlHttpResponseStore{TConnection}"/>): <c>INSERT … ON CONFLICT</c>
/// claims a key (taking over an expired one), the response and its resource links are written in one transaction,
/// and invalidation flips the state of the rows linked to a resource.
/// </summary>
internal sealed class SqliteHttpResponseStore : SqlHttpResponseStore<SqliteConnection>
{
    private readonly SqliteDatabase _database;
    private readonly string _component;
    private readonly string[] _steps;
    private readonly string _claimSql;
    private readonly string _completeSql;
    private readonly string _linkSql;
    private readonly string _releaseSql;
    private readonly string _invalidateSql;
    private readonly string _purgeSql;

    public SqliteHttpResponseStore(SqliteDatabase database, string tableName, TimeProvider time)
        : base(time)
    {
        _database = database;
        var table = SqliteDatabase.Quote(tableName);
        var links = SqliteDatabase.Quote(tableName + "_resources");
        var bare = tableName.Replace('.', '_');
        _component = $"http-idempotency:{tableName}";
        _steps =
        [
            $"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, token TEXT NOT NULL, state INTEGER NOT NULL, response BLOB NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_expires\" ON {table} (expires_at); " +
            $"CREATE TABLE IF NOT EXISTS {links} (resource TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (resource, key)) WITHOUT ROWID; " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_resources_expires\" ON {links} (expires_at);",
        ];

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

    protected override Task MigrateAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync(_component, _steps, cancellationToken);

    protected override ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        new(_database.OpenAsync(cancellationToken));

    protected override async Task<ClaimOutcome> ClaimAsync(SqliteConnection connection, string key, string fingerprint, string token, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var command = Command(connection, _claimSql);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$fingerprint", fingerprint);
        command.Parameters.AddWithValue("$token", token);
        command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await ReadClaimAsync(reader, fingerprint, token, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task<bool> CompleteAsync(SqliteConnection connection, string key, string token, byte[] response, IReadOnlyCollection<string> resources, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        // Microsoft.Data.Sqlite's async BeginTransaction cannot ask for IMMEDIATE; the write lock is taken up front.
        var transaction = connection.BeginTransaction(deferred: false);
        await using (transaction.ConfigureAwait(false))
        {
            var expiresAt = expires.ToUnixTimeMilliseconds();
            using var complete = Command(connection, _completeSql, transaction);
            complete.Parameters.AddWithValue("$key", key);
            complete.Parameters.AddWithValue("$token", token);
            complete.Parameters.AddWithValue("$response", response);
            complete.Parameters.AddWithValue("$expires", expiresAt);
            if (await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }

            if (resources.Count > 0)
            {
                using var link = Command(connection, _linkSql, transaction);
                link.Parameters.AddWithValue("$key", key);
                link.Parameters.AddWithValue("$expires", expiresAt);
                link.Parameters.AddWithValue("$resources", ResourceList.ToJson(resources));
                await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    protected override async Task ReleaseAsync(SqliteConnection connection, string key, string token, CancellationToken cancellationToken)
    {
        using var command = Command(connection, _releaseSql);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$token", token);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<long> InvalidateAsync(SqliteConnection connection, IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        using var command = Command(connection, _invalidateSql);
        command.Parameters.AddWithValue("$except", exceptKey);
        command.Parameters.AddWithValue("$resources", ResourceList.ToJson(resources));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<long> PurgeAsync(SqliteConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var command = Command(connection, _purgeSql);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
