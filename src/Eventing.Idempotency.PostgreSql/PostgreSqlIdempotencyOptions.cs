namespace Eventing.Idempotency.PostgreSql;

/// <summary>Where the PostgreSQL store keeps processed-message records.</summary>
public sealed class PostgreSqlIdempotencyOptions
{
    /// <summary>The table of processed-message records, <c>name</c> or <c>schema.name</c>. Default <c>eventing_inbox</c>.</summary>
    public string TableName { get; set; } = "eventing_inbox";
}
