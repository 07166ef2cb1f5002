namespace Eventing.Idempotency.Sqlite;

/// <summary>Where the SQLite store keeps processed-message records.</summary>
public sealed class SqliteIdempotencyOptions
{
    /// <summary>The connection string, e.g. <c>Data Source=app.db</c>; usually the database of the handlers' own data.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The table of processed-message records. Default <c>eventing_inbox</c>.</summary>
    public string TableName { get; set; } = "eventing_inbox";
}
