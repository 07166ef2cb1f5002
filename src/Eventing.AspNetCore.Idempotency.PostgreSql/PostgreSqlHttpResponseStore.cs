using Eventing.AspNetCore.Idempotency.Storage;
using Eventing.Persistence.PostgreSql;
using Npgsql;

namespace Eventing.AspNetCore.Idempotency.PostgreSql;

/// <summary>
/// Idempotency keys in a PostgreSQL table (<see cref="SqlHttpResponseStore{TConnection}"/>): <c>INSERT … ON CONFLICT</c>
/// claims a key (taking over an expired one) and reads who holds it in the same round trip; completing writes the
/// response and its resource links in one statement, only while the claim is still the caller's.
/// </summary>
internal sealed class PostgreSqlHttpResponseStore : SqlHttpResponseStore<NpgsqlConnection>, IAsyncDisposable
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _component;
    private readonly string[] _steps;
    private readonly string _claimSql;
    private readonly string _selectSql;
    private readonly string _completeSql;
    private readonly string _releaseSql;
    private readonly string _invalidateSql;
    private readonly string _purgeSql;

    public PostgreSqlHttpResponseStore(PostgreSqlDatabase database, string tableName, TimeProvider time)
        : base(time)
    {
        _database = database;
        var table = PostgreSqlDatabase.Quote(tableName);
        var links = PostgreSqlDatabase.Quote(tableName + "_resources");
        var bare = tableName[(tableName.IndexOf('.', StringComparison.Ordinal) + 1)..];
        _component = $"http-idempotency:{tableName}";
        _steps =
        [
            $"CREATE TABLE IF NOT EXISTS {table} (key text PRIMARY KEY, fingerprint text NOT NULL, token text NOT NULL, state smallint NOT NULL, response bytea NULL, expires_at timestamptz NOT NULL); " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_expires\" ON {table} (expires_at); " +
            $"CREATE TABLE IF NOT EXISTS {links} (resource text NOT NULL, key text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (resource, key)); " +
            $"CREATE INDEX IF NOT EXISTS \"{bare}_resources_expires\" ON {links} (expires_at);",
        ];
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

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    protected override Task MigrateAsync(CancellationToken cancellationToken) =>
        _database.MigrateAsync(_component, _steps, cancellationToken);

    protected override ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    protected override async Task<ClaimOutcome> ClaimAsync(NpgsqlConnection connection, string key, string fingerprint, string token, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One round trip: the upsert, then who holds the key now (the caller, if its token is there).
        await using var batch = new NpgsqlBatch(connection);
        var claim = new NpgsqlBatchCommand(_claimSql);
        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        claim.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = expires.UtcDateTime });
        claim.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        var select = new NpgsqlBatchCommand(_selectSql);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        batch.BatchCommands.Add(claim);
        batch.BatchCommands.Add(select);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await ReadClaimAsync(reader, fingerprint, token, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task<bool> CompleteAsync(NpgsqlConnection connection, string key, string token, byte[] response, IReadOnlyCollection<string> resources, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_completeSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = expires.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. resources] });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    protected override async Task ReleaseAsync(NpgsqlConnection connection, string key, string token, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_releaseSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = token });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<long> InvalidateAsync(NpgsqlConnection connection, IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_invalidateSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. resources] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exceptKey });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task<long> PurgeAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_purgeSql, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
