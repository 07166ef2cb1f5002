using Eventing.Idempotency.Sqlite;
using Eventing.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Idempotency;

/// <summary>Keeps processed-message records in SQLite.</summary>
public static class SqliteIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps processed-message records in the SQLite database at <paramref name="connectionString"/>, in a transaction
    /// the handler joins through <see cref="IdempotencyEventContextExtensions.GetDbTransaction"/>.
    /// </summary>
    public static IdempotencyBuilder UseSqlite(this IdempotencyBuilder idempotency, string connectionString, Action<SqliteIdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        var options = new SqliteIdempotencyOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("UseSqlite needs a connection string, e.g. \"Data Source=app.db\".", nameof(connectionString));
        }

        CheckTableName(options.TableName);
        return idempotency.UseStore(services => new SqliteProcessedMessageStore(
            new SqliteDatabase(options.ConnectionString), options.TableName, services.GetRequiredService<TimeProvider>()));
    }

    internal static void CheckTableName(string tableName)
    {
        if (string.IsNullOrWhiteSpace(tableName) || tableName.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"SqliteIdempotencyOptions.TableName \"{tableName}\" is not a usable table name; use letters, digits and underscores.", nameof(tableName));
        }
    }
}
