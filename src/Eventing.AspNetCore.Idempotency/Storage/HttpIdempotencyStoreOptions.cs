namespace Eventing.AspNetCore.Idempotency;

/// <summary>Where a store keeps idempotency keys: a table (SQL stores) or a key prefix (Redis).</summary>
public sealed class HttpIdempotencyStoreOptions
{
    /// <summary>
    /// The table of keys and stored responses (SQL stores); the links to affected resources go to
    /// <c>&lt;TableName&gt;_resources</c>. <c>schema.table</c> is allowed on PostgreSQL. Default <c>eventing_http_idempotency</c>.
    /// </summary>
    public string TableName { get; set; } = "eventing_http_idempotency";

    /// <summary>The prefix of every Redis key, so several apps can share one Redis. Default <c>eventing:</c>.</summary>
    public string KeyPrefix { get; set; } = "eventing:";

    internal void CheckTableName()
    {
        if (string.IsNullOrWhiteSpace(TableName) || TableName.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"HttpIdempotencyStoreOptions.TableName \"{TableName}\" is not a usable table name; use letters, digits and underscores (schema.table on PostgreSQL).");
        }
    }
}
