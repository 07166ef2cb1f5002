using Eventing.AspNetCore.Idempotency.Sqlite;
using Eventing.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>Keeps idempotency keys in SQLite.</summary>
public static class SqliteHttpIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps idempotency keys and stored responses in the SQLite database at <paramref name="connectionString"/> (a
    /// table created on first use). Request locks hold within this process only.
    /// </summary>
    /// <example><code>services.AddHttpIdempotency(idempotency =&gt; idempotency.UseSqlite("Data Source=app.db"));</code></example>
    public static HttpIdempotencyBuilder UseSqlite(this HttpIdempotencyBuilder idempotency, string connectionString, Action<HttpIdempotencyStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new HttpIdempotencyStoreOptions();
        configure?.Invoke(options);
        options.CheckTableName();
        var database = new SqliteDatabase(connectionString);
        return idempotency.UseStore(services => new SqliteHttpResponseStore(database, options.TableName, services.GetRequiredService<TimeProvider>()));
    }
}
