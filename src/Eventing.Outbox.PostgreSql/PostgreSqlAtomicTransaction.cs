using System.Data;
using System.Data.Common;

namespace Eventing.Outbox.PostgreSql;

/// <summary>Begins the transaction of one attempt of an atomic procedure on PostgreSQL.</summary>
internal static class PostgreSqlAtomicTransaction
{
    public static async ValueTask<DbTransaction> BeginAsync(PostgreSqlDatabase database, IsolationLevel isolation, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
