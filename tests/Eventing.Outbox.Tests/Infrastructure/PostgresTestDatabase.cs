using System.Data.Common;
using Npgsql;

namespace Eventing.Outbox.Tests;

/// <summary>A table of its own in the test PostgreSQL; dropped afterwards.</summary>
public sealed class PostgresTestDatabase : TestDatabase
{
    private string? _connectionString;

    public override string ConnectionString => _connectionString ?? throw new InvalidOperationException("Call StartAsync first.");

    public static async Task<PostgresTestDatabase> StartAsync()
    {
        var database = new PostgresTestDatabase { _connectionString = await PostgresServer.ConnectionStringAsync() };
        return database;
    }

    public override void UseStore(OutboxBuilder outbox) => outbox.UsePostgreSql(ConnectionString).Configure(o => o.TableName = Table);

    public override async Task<DbConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {Table}, {Table}_counter, {Table}_commits, {Table}_orders CASCADE; DROP FUNCTION IF EXISTS \"{Table}_order\"() CASCADE; DO $$ BEGIN IF to_regclass('eventing_schema') IS NOT NULL THEN DELETE FROM eventing_schema WHERE component = 'outbox:{Table}'; END IF; END $$;");
        }
    }
}
