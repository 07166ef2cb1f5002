using Eventing.Idempotency.PostgreSql;
using Eventing.Persistence.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Eventing.Idempotency;

/// <summary>Keeps processed-message records in PostgreSQL.</summary>
public static class PostgreSqlIdempotencyBuilderExtensions
{
    /// <summary>
    /// Keeps processed-message records in the PostgreSQL database at <paramref name="connectionString"/>, in a
    /// transaction the handler joins through <see cref="IdempotencyEventContextExtensions.GetDbTransaction"/>.
    /// </summary>
    public static IdempotencyBuilder UsePostgreSql(this IdempotencyBuilder idempotency, string connectionString, Action<PostgreSqlIdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return UsePostgreSql(idempotency, _ => new PostgreSqlDatabase(connectionString), configure);
    }

    /// <summary>Keeps processed-message records in PostgreSQL through the app's data source (its pool, its settings).</summary>
    public static IdempotencyBuilder UsePostgreSql(this IdempotencyBuilder idempotency, NpgsqlDataSource dataSource, Action<PostgreSqlIdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(idempotency);
        ArgumentNullException.ThrowIfNull(dataSource);
        return UsePostgreSql(idempotency, _ => new PostgreSqlDatabase(dataSource), configure);
    }

    private static IdempotencyBuilder UsePostgreSql(IdempotencyBuilder idempotency, Func<IServiceProvider, PostgreSqlDatabase> database, Action<PostgreSqlIdempotencyOptions>? configure)
    {
        var options = new PostgreSqlIdempotencyOptions();
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.TableName) || options.TableName.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"PostgreSqlIdempotencyOptions.TableName \"{options.TableName}\" is not a usable table name; use name or schema.name.", nameof(configure));
        }

        return idempotency.UseStore(services => new PostgreSqlProcessedMessageStore(
            database(services), options.TableName, services.GetRequiredService<TimeProvider>()));
    }
}
