using Microsoft.Data.Sqlite;

namespace Eventing.Persistence.Sqlite;

/// <summary>
/// One SQLite database as the Eventing stores use it (outbox, processed-message records, HTTP idempotency keys): opens
/// connections and runs versioned schema steps, so every store shares one way of connecting and migrating.
/// </summary>
internal sealed class SqliteDatabase
{
    /// <summary>The table that records which schema version each component reached.</summary>
    public const string SchemaTable = "eventing_schema";

    /// <summary>Describes the database at <paramref name="connectionString"/>.</summary>
    public SqliteDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        ConnectionString = builder.ConnectionString;
        DataSource = builder.DataSource;
    }

    /// <summary>The connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>The file name, for logs.</summary>
    public string DataSource { get; }

    /// <summary>Opens a connection.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Brings <paramref name="component"/> to the last of <paramref name="steps"/>: runs the steps past the recorded
    /// version in one write transaction, so two processes starting together run each step once.
    /// </summary>
    /// <param name="component">A stable name, e.g. <c>outbox:eventing_outbox</c>.</param>
    /// <param name="steps">SQL scripts, oldest first; never edit or reorder a released step, append a new one.</param>
    /// <param name="cancellationToken">Cancels the migration; it rolls back.</param>
    public async Task MigrateAsync(string component, IReadOnlyList<string> steps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // WAL lets the relay read while the app writes; it is a property of the file and sticks.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);

            // BEGIN IMMEDIATE takes the write lock up front: a second process waits here instead of failing later.
            // Microsoft.Data.Sqlite is synchronous underneath; its async BeginTransaction cannot ask for IMMEDIATE.
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {SchemaTable} (component TEXT PRIMARY KEY, version INTEGER NOT NULL);", cancellationToken).ConfigureAwait(false);
                using var read = connection.CreateCommand();
                read.Transaction = transaction;
                read.CommandText = $"SELECT version FROM {SchemaTable} WHERE component = $component;";
                read.Parameters.AddWithValue("$component", component);
                var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
                if (version >= steps.Count)
                {
                    return;
                }

                for (var step = version; step < steps.Count; step++)
                {
                    await ExecuteAsync(connection, transaction, steps[step], cancellationToken).ConfigureAwait(false);
                }

                using var write = connection.CreateCommand();
                write.Transaction = transaction;
                write.CommandText = $"INSERT INTO {SchemaTable} (component, version) VALUES ($component, $version) ON CONFLICT (component) DO UPDATE SET version = excluded.version;";
                write.Parameters.AddWithValue("$component", component);
                write.Parameters.AddWithValue("$version", steps.Count);
                await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Quotes a table name, <c>name</c> or <c>schema.name</c>, for SQL.</summary>
    public static string Quote(string name) => Persistence.SqlNames.Quote(name);

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
