using Eventing.Idempotency.Storage;
using Eventing.Outbox.PostgreSql;
using Npgsql;

namespace Eventing.AspNetCore.Idempotency.Storage.PostgreSql;

/// <summary>
/// Idempotency keys in a PostgreSQL table: <c>INSERT … ON CONFLICT</c> claims a key (taking over an expired one) and
/// reads who holds it in the same round trip; completing writes the response and its resource links in one
/// statement, only while the claim is still the caller's. States: 0 running, 1 completed, 2 invalidated.
/// </summary>
internal sealed class PostgreSqlHttpResponseStore : IHttpResponseStore, IAsyncDisposable
{
    private readonly PostgreSqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly LazySchema _schema;
    private readonly string _claimSql;
    private readonly string _selectSql;
    private readonly string _completeSql;
    private readonly string _releaseSql;
    private readonly string _invalidateSql;
    private readonly string _purgeSql;

    public PostgreSqlHttpResponseStore(PostgreSqlDatabase database, string tableName, TimeProvider time)
    {
        _database = database;
        _time = time;
        var table = PostgreSqlDatabase.Quote(tableName);
        var links = PostgreSqlDatabase.Quote(tableName + "_resources");
        var bare = tableName[(tableName.IndexOf('.', StringComparison.Ordinal) + 1)..];
        string[] steps =
        [
            $"CREATE TABLE IF NOT EXISTS {table} (key text PRIMARY KEY, fingerprint text NOT NULL, token text NOT NULL, state smallint NOT NULL, response bytea NULL, expires_at timestamptz NOT NULL); " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_expires\" ON {table} (expires_at); " +
            $"CREATE TABLE IF NOT EXISTS {links} (resource text NOT NULL, key text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (resource, key)); " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_resources_expires\" ON {links} (expires_at);",
        ];
        _schema = new LazySchema(cancellationToken => _database.MigrateAsync($"http-idempotency:{tableName}", steps, cancellationToken));
        _claimSql = $"INSERT INTO {table} (key, fingerprint, token, state, response, expires_at) VALUES ($1, $2, $3, 0, NULL, $4) " +
                    $"ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token, state = 0, response = NULL, expires_at = excluded.expires_at WHERE {table}.expires_at <= $5;";
        _selectSql = $"SELECT state, fingerprint, token, response FROM {table} WHERE key = $1;";
        _completeSql = $"WITH done AS (UPDATE {table} SET state = 1, response = $3, expires_at = $4 WHERE key = $1 AND token = $2 AND state = 0 RETURNING key), " +
                       $"linked AS (INSERT INTO {links} (resource, key, expires_at) SELECT resource, done.key, $4 FROM done, unnest($5::text[]) AS resource " +
                       $"ON CONFLICT (resource, key) DO UPDATE SET expires_at = GREATEST({links}.expires_at, excluded.expires_at)) " +
                       "SELECT count(*) FROM done;";
        _releaseSql = $"DELETE FROM {table} WHERE key = $1 AND token = $2 AND state = 0;";
        _invalidateSql = $"UPDATE {table} SET state = 2, response = NULL WHERE state = 1 AND key <> $2 AND key IN (SELECT key FROM {links} WHERE resource = ANY($1));";
        _purgeSql = $"WITH purged AS (DELETE FROM {table} WHERE expires_at <= $1 RETURNING 1), unlinked AS (DELETE FROM {links} WHERE expires_at <= $1) SELECT count(*) FROM purged;";
    }

    public async ValueTask<ClaimOutcome> TryClaimAsync(string key, string fingerprint, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One round trip: the upsert, then who holds the key now (the caller, if its token is there).
            await using var batch = new NpgsqlBatch(connection);
            var claim = new NpgsqlBatchCommand(_claimSql);
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
            claim.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (now + lease).UtcDateTime });
            claim.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
            var select = new NpgsqlBatchCommand(_selectSql);
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            batch.BatchCommands.Add(claim);
            batch.BatchCommands.Add(select);
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new ClaimOutcome(ClaimState.Running, fingerprint, null);
                }

                return ClaimOutcome.FromRow(reader.GetInt16(0), reader.GetString(1), reader.GetString(2), token, reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3));
            }
        }
    }

    public async ValueTask<bool> CompleteAsync(string key, string token, byte[] response, IReadOnlyCollection<string> resources, TimeSpan window, CancellationToken cancellationToken)
    {
        var completed = await ScalarAsync(
            _completeSql,
            cancellationToken,
            new NpgsqlParameter<string> { TypedValue = key },
            new NpgsqlParameter<string> { TypedValue = token },
            new NpgsqlParameter<byte[]> { TypedValue = response },
            new NpgsqlParameter<DateTime> { TypedValue = (_time.GetUtcNow() + window).UtcDateTime },
            new NpgsqlParameter<string[]> { TypedValue = [.. resources] }).ConfigureAwait(false);
        return completed == 1;
    }

    public async ValueTask ReleaseAsync(string key, string token, CancellationToken cancellationToken) =>
        await ExecuteAsync(_releaseSql, cancellationToken, new NpgsqlParameter<string> { TypedValue = key }, new NpgsqlParameter<string> { TypedValue = token }).ConfigureAwait(false);

    public async ValueTask<long> InvalidateAsync(IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(_invalidateSql, cancellationToken, new NpgsqlParameter<string[]> { TypedValue = [.. resources] }, new NpgsqlParameter<string> { TypedValue = exceptKey }).ConfigureAwait(false);
    }

    public async ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return await ScalarAsync(_purgeSql, cancellationToken, new NpgsqlParameter<DateTime> { TypedValue = _time.GetUtcNow().UtcDateTime }).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
