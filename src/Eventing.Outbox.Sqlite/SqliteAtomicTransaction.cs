using System.Data;
using System.Data.Common;

namespace Eventing.Outbox.Sqlite;

/// <summary>Begins the transaction of one attempt of an atomic procedure on SQLite.</summary>
internal static class SqliteAtomicTransaction
{
    public static async ValueTask<DbTransaction> BeginAsync(SqliteDatabase database, IsolationLevel isolation, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // BEGIN IMMEDIATE: a deferred transaction that reads, then writes after another writer committed fails with
            // SQLITE_BUSY_SNAPSHOT on every retry of its statement; taking the write lock first makes the busy wait
            // (and, past the timeout, our retry) work. SQLite transactions are serializable whatever is asked.
            return connection.BeginTransaction(isolation, deferred: false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
