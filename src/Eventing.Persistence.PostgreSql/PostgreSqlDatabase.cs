using Npgsql;

namespace Eventing.Persistence.PostgreSql;

/// <summary>
/// One PostgreSQL database as the Eventing stores use it (outbox, processed-message records, HTTP idempotency keys): a
/// pooled data source and versioned schema steps, so every store shares one way of connecting and migrating.
/// </summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable
{
    /// <summary>The table that records which schema version each component reached.</summary>
    public const string SchemaTable = "eventing_schema";

    private readonly bool _ownsDataSource;

    /// <summary>Describes the database at <paramref name="connectionString"/> and pools connections to it.</summary>
    public PostgreSqlDatabase(string connectionString)
        : this(NpgsqlDataSource.Create(connectionString), ownsDataSource: true)
    {
    }

    /// <summary>Uses the app's data source (its pool, its settings).</summary>
    public PostgreSqlDatabase(NpgsqlDataSource dataSource)
        : this(dataSource, ownsDataSource: false)
    {
    }

    private PostgreSqlDatabase(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        DisplayName = $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The pooled data source.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary><c>host:port/database</c>, for logs (no credentials).</summary>
    public string DisplayName { get; }

    /// <summary>Opens a pooled connection.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Brings <paramref name="component"/> to the last of <paramref name="steps"/>: runs the steps past the recorded
    /// version in one transaction under an advisory lock, so two processes starting together run each step once.
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
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock(hashtextextended('{SchemaTable}', 0));", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, $"CREATE TABLE IF NOT EXISTS {SchemaTable} (component text PRIMARY KEY, version integer NOT NULL);", cancellationToken).ConfigureAwait(false);
                await using var read = new NpgsqlCommand($"SELECT version FROM {SchemaTable} WHERE component = $1;", connection);
                read.Parameters.Add(new NpgsqlParameter { Value = component });
                var version = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0);
                if (version >= steps.Count)
                {
                    return;
                }

                for (var step = version; step < steps.Count; step++)
                {
                    await ExecuteAsync(connection, steps[step], cancellationToken).ConfigureAwait(false);
                }

                await using var write = new NpgsqlCommand(
                    $"INSERT INTO {SchemaTable} (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version;",
                    connection);
                write.Parameters.Add(new NpgsqlParameter { Value = component });
                write.Parameters.Add(new NpgsqlParameter { Value = steps.Count });
                await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Quotes a table name, <c>name</c> or <c>schema.name</c>, for SQL.</summary>
    public static string Quote(string name) => Persistence.SqlNames.Quote(name);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
