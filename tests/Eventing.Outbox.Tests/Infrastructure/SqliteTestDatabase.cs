using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Eventing.Outbox.Tests;

/// <summary>A SQLite file in a temp dir of its own.</summary>
public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eventing-outbox-").FullName;

    public string Path => System.IO.Path.Combine(_directory, "app.db");

    public override string ConnectionString => $"Data Source={Path}";

    public override void UseStore(OutboxBuilder outbox) => outbox.UseSqlite(ConnectionString).Configure(o => o.TableName = Table);

    public override async Task<DbConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        using (var connection = new SqliteConnection(ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        Directory.Delete(_directory, recursive: true);
        return default;
    }
}
