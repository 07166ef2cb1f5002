using Eventing.AspNetCore.Idempotency.PostgreSql;
using Eventing.Persistence.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>Keeps idempotency keys in PostgreSQL.</summary>
public static class PostgreSqlHttpIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps idempotency keys and stored responses in the PostgreSQL database at <paramref name="connectionString"/>
    /// (a table created on first use). Request locks hold within this process only; use Redis for locks across processes.
    /// </summary>
    /// <example><code>services.AddHttpIdempotency(idempotency =&gt; idempotency.UsePostgreSql("Host=127.0.0.1;Database=orders;Username=app"));</code></example>
    public static HttpIdempotencyBuilder UsePostgreSql(this HttpIdempotencyBuilder idempotency, string connectionString, Action<HttpIdempotencyStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Use(idempotency, () => new PostgreSqlDatabase(connectionString), configure);
    }

    /// <summary>Keeps idempotency keys in PostgreSQL through the app's data source (its pool, its settings).</summary>
    public static HttpIdempotencyBuilder UsePostgreSql(this HttpIdempotencyBuilder idempotency, NpgsqlDataSource dataSource, Action<HttpIdempotencyStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Use(idempotency, () => new PostgreSqlDatabase(dataSource), configure);
    }

    private static HttpIdempotencyBuilder Use(HttpIdempotencyBuilder idempotency, Func<PostgreSqlDatabase> database, Action<HttpIdempotencyStoreOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        var options = new HttpIdempotencyStoreOptions();
        configure?.Invoke(options);
        options.CheckTableName();
        return idempotency.UseStore(services => new PostgreSqlHttpResponseStore(database(), options.TableName, services.GetRequiredService<TimeProvider>()));
    }
}
