using System.CommandLine;
using Microsoft.Data.Sqlite;

namespace Eventing.Cli.Configuration;

/// <summary>
/// The flags that name an outbox table: <c>--store</c>, <c>--connection</c>, <c>--table</c>. Like the connection
/// flags, each falls back to an environment variable, then to section <c>Eventing:Outbox</c> of the settings file.
/// </summary>
internal sealed class OutboxStoreOptions
{
    public Option<string?> Store { get; } = new("--store", "-s")
    {
        Description = "The outbox database: sqlite or postgresql. Env EVENTING_OUTBOX_STORE, setting Eventing:Outbox:Store.",
        HelpName = "sqlite|postgresql",
    };

    public Option<string?> Connection { get; } = new("--connection", "-c")
    {
        Description = "The application's connection string, e.g. \"Data Source=/var/lib/orders/orders.db\" or " +
            "\"Host=db;Database=orders;Username=app;Password=…\". Env EVENTING_OUTBOX_CONNECTION, setting Eventing:Outbox:Connection.",
        HelpName = "CONNECTION STRING",
    };

    public Option<string?> Table { get; } = new("--table")
    {
        Description = "The outbox table (schema.table on PostgreSQL), as in the app's OutboxOptions.TableName. " +
            "Env EVENTING_OUTBOX_TABLE, setting Eventing:Outbox:Table. Default eventing_outbox.",
        HelpName = "NAME",
    };

    public void AddTo(Command command)
    {
        command.Add(Store);
        command.Add(Connection);
        command.Add(Table);
    }

    public OutboxStoreSettings Resolve(ParseResult result, ConnectionOptions connection)
    {
        var settings = connection.LoadSettings(result);
        var storeName = ConnectionOptions.Pick(result.GetValue(Store), "EVENTING_OUTBOX_STORE", settings, "Outbox:Store") ?? throw new UsageException(
            "No outbox store given. Pass --store sqlite|postgresql, or set EVENTING_OUTBOX_STORE, or Eventing:Outbox:Store in the settings file.");
        var kind = storeName.Trim().ToLowerInvariant() switch
        {
            "sqlite" => OutboxStoreKind.Sqlite,
            "postgresql" or "postgres" or "npgsql" => OutboxStoreKind.PostgreSql,
            _ => throw new UsageException($"Unknown outbox store '{storeName}'. Use sqlite or postgresql."),
        };

        var connectionString = ConnectionOptions.Pick(result.GetValue(Connection), "EVENTING_OUTBOX_CONNECTION", settings, "Outbox:Connection") ?? throw new UsageException(
            "No outbox connection string given. Pass --connection \"...\", or set EVENTING_OUTBOX_CONNECTION, or Eventing:Outbox:Connection in the settings file.");
        if (kind == OutboxStoreKind.Sqlite)
        {
            CheckSqliteFile(connectionString);
        }

        var table = ConnectionOptions.Pick(result.GetValue(Table), "EVENTING_OUTBOX_TABLE", settings, "Outbox:Table") ?? "eventing_outbox";
        return new OutboxStoreSettings(kind, connectionString, table.Trim());
    }

    private static void CheckSqliteFile(string connectionString)
    {
        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            throw new UsageException($"--connection is not a SQLite connection string ({exception.Message}). Use \"Data Source=/path/app.db\".");
        }

        // SQLite creates a missing file on open: a typo in the path would flush an empty new database and say "0 sent".
        var file = builder.DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new UsageException("--connection names no SQLite file. Use \"Data Source=/path/app.db\", the file the application writes.");
        }

        if (!file.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !File.Exists(file))
        {
            throw new UsageException($"The SQLite file '{Path.GetFullPath(file)}' does not exist. Pass the application's database in --connection \"Data Source=...\".");
        }
    }
}
