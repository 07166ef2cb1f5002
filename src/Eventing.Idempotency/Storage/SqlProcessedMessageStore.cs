using System.Data.Common;

namespace Eventing.Idempotency.Storage;

/// <summary>
/// Processed-message records in a SQL table, whatever the database: the record is inserted in a transaction that
/// stays open while the handler runs, so the handler's writes and the record commit or roll back together. A database
/// brings its connection, its way of beginning that transaction, and its claim and purge statements.
/// </summary>
internal abstract class SqlProcessedMessageStore<TConnection, TTransaction> : IProcessedMessageStore
    where TConnection : DbConnection
    where TTransaction : DbTransaction
{
    private readonly TimeProvider _time;
    private readonly LazySchema _schema;

    protected SqlProcessedMessageStore(TimeProvider time)
    {
        _time = time;
        _schema = new LazySchema(MigrateAsync);
    }

    public async ValueTask<IProcessedMessageClaim?> TryClaimAsync(string queue, string messageId, TimeSpan window, CancellationToken cancellationToken)
    {
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        TTransaction? transaction = null;
        try
        {
            transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            if (await ClaimAsync(connection, transaction, queue, messageId, now + window, now, cancellationToken).ConfigureAwait(false))
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
        await _schema.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await PurgeAsync(connection, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates or upgrades the table; runs once, on first use.</summary>
    protected abstract Task MigrateAsync(CancellationToken cancellationToken);

    protected abstract ValueTask<TConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins the transaction the record and the handler's writes share.</summary>
    protected abstract ValueTask<TTransaction> BeginAsync(TConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the record in <paramref name="transaction"/>, or takes over an expired one; <see langword="false"/> when
    /// a live record is there (the message was processed).
    /// </summary>
    protected abstract Task<bool> ClaimAsync(TConnection connection, TTransaction transaction, string queue, string messageId, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the records that expired by <paramref name="now"/>; returns how many.</summary>
    protected abstract Task<long> PurgeAsync(TConnection connection, DateTimeOffset now, CancellationToken cancellationToken);

    private static async ValueTask DisposeAsync(TConnection connection, TTransaction? transaction)
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Claim(TConnection connection, TTransaction transaction) : IProcessedMessageClaim
    {
        public DbTransaction? Transaction => transaction;

        public async ValueTask CompleteAsync(CancellationToken cancellationToken) =>
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Disposing an uncommitted transaction rolls it back: the record and the handler's writes go together.
        public ValueTask DisposeAsync() => SqlProcessedMessageStore<TConnection, TTransaction>.DisposeAsync(connection, transaction);
    }
}
