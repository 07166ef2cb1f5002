using System.Data.Common;

namespace Eventing.Outbox.Tests;

/// <summary>A real database with a table of its own for one test.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public string Table { get; } = "outbox_" + Guid.NewGuid().ToString("N")[..12];

    public abstract string ConnectionString { get; }

    public abstract void UseStore(OutboxBuilder outbox);

    public abstract Task<DbConnection> OpenAsync();

    public async Task<long> CountPendingAsync() => Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM {Table}"), System.Globalization.CultureInfo.InvariantCulture);

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ExecuteAsync(DbTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteScalarAsync();
    }

    public abstract ValueTask DisposeAsync();
}
