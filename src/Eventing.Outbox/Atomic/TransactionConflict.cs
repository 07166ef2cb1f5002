using System.Data.Common;

namespace Eventing.Outbox.Atomic;

/// <summary>Tells a conflict that a rerun of the transaction can win from a failure that would only repeat.</summary>
internal static class TransactionConflict
{
    // SQLSTATE is standard: serialization_failure and deadlock_detected. Npgsql reports it as DbException.SqlState.
    private const string SerializationFailure = "40001";
    private const string DeadlockDetected = "40P01";

    // SQLITE_BUSY and SQLITE_LOCKED, the primary result codes in SqliteException.SqliteErrorCode.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    /// <summary>The conflict's description for logs, or <see langword="null"/> when the failure is not a conflict.</summary>
    public static string? Describe(Exception exception)
    {
        // EF Core wraps the provider's exception (DbUpdateException, InvalidOperationException): look down the chain.
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is not DbException database)
            {
                continue;
            }

            if (database.SqlState is SerializationFailure or DeadlockDetected)
            {
                return database.SqlState == SerializationFailure ? "serialization failure (40001)" : "deadlock (40P01)";
            }

            // Read by name so this package needs no SQLite reference; only on a failure, never on the success path.
            if (database.GetType().Namespace == "Microsoft.Data.Sqlite"
                && database.GetType().GetProperty("SqliteErrorCode")?.GetValue(database) is int code
                && code is SqliteBusy or SqliteLocked)
            {
                return code == SqliteBusy ? "SQLite busy" : "SQLite locked";
            }
        }

        return null;
    }
}
