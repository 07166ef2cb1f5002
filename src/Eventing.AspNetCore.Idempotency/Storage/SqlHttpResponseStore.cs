using System.Data.Common;
using Eventing.Idempotency.Storage;

namespace Eventing.AspNetCore.Idempotency.Storage;

/// <summary>
/// Idempotency keys in a SQL table, whatever the database: a row per key with its state (0 running, 1 completed,
/// 2 invalidated), the claim's token and lease, and a second table linking resources to the keys that changed them.
/// This class holds what every database does alike (the schema on first use, the clock, one pooled connection per
/// call, reading who holds a key); a database brings its statements.
/// </summary>
internal abstract class SqlHttpResponseStore<TConnection> : IHttpResponseStore
    where TConnection : DbConnection
{
    private readonly TimeProvider _time;
    private readonly LazySchema _schema;

    protected SqlHttpResponseStore(TimeProvider time)
    {
        _time = time;
        _schema = new LazySchema(MigrateAsync);
    }

    public async ValueTask<ClaimOutcome> TryClaimAsync(string key, string fingerprint, string token, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ClaimAsync(connection, key, fingerprint, token, now + lease, now, cancellationToken).ConfigureAwait(false);
        }
    }

    // No schema step here or in ReleaseAsync: both follow a claim of the same key, which ran it.
    public async ValueTask<bool> CompleteAsync(string key, string token, byte[] response, IReadOnlyCollection<string> resources, TimeSpan window, CancellationToken cancellationToken)
    {
        var expires = _time.GetUtcNow() + window;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await CompleteAsync(connection, key, token, response, resources, expires, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask ReleaseAsync(string key, string token, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ReleaseAsync(connection, key, token, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> InvalidateAsync(IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await InvalidateAsync(connection, resources, exceptKey, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await PurgeAsync(connection, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates or upgrades the tables; runs once, on first use.</summary>
    protected abstract Task MigrateAsync(CancellationToken cancellationToken);

    protected abstract ValueTask<TConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts <paramref name="key"/> as running under <paramref name="token"/> until <paramref name="expires"/>, taking
    /// over a row that expired by <paramref name="now"/>, then reads the row with <see cref="ReadClaimAsync"/>.
    /// </summary>
    protected abstract Task<ClaimOutcome> ClaimAsync(TConnection connection, string key, string fingerprint, string token, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores the response and the resource links while the claim is still <paramref name="token"/>'s; false when it was lost.</summary>
    protected abstract Task<bool> CompleteAsync(TConnection connection, string key, string token, byte[] response, IReadOnlyCollection<string> resources, DateTimeOffset expires, CancellationToken cancellationToken);

    /// <summary>Deletes the running row of <paramref name="token"/>.</summary>
    protected abstract Task ReleaseAsync(TConnection connection, string key, string token, CancellationToken cancellationToken);

    /// <summary>Marks the completed rows linked to any of <paramref name="resources"/> invalidated, except <paramref name="exceptKey"/>.</summary>
    protected abstract Task<long> InvalidateAsync(TConnection connection, IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken);

    /// <summary>Deletes the keys and links that expired by <paramref name="now"/>; returns how many.</summary>
    protected abstract Task<long> PurgeAsync(TConnection connection, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>What holds the key, from the row <c>state, fingerprint, token, response</c> the claim statement selects.</summary>
    protected static async Task<ClaimOutcome> ReadClaimAsync(DbDataReader reader, string fingerprint, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);

        // The row was there (or just inserted) a moment ago; only a purge of an expired row can remove it.
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return new ClaimOutcome(ClaimState.Running, fingerprint, null);
        }

        return ClaimOutcome.FromRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), token, reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3));
    }
}
