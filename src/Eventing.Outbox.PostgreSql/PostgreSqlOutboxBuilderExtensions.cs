using Eventing.Outbox.Atomic;
using Eventing.Outbox.PostgreSql;
using Eventing.Persistence.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventing.Outbox;

/// <summary>Stores the outbox in PostgreSQL.</summary>
public static class PostgreSqlOutboxBuilderExtensions
{
    /// <summary>
    /// Keeps pending events in a table of the PostgreSQL database at <paramref name="connectionString"/>, the database the
    /// app writes its own data to. Any number of relays may run against it. Also registers
    /// <see cref="IAtomicProcedures"/> on that database.
    /// </summary>
    /// <example><code>events.AddOutbox(outbox =&gt; outbox.UsePostgreSql("Host=127.0.0.1;Database=orders;Username=app"));</code></example>
    public static OutboxBuilder UsePostgreSql(this OutboxBuilder outbox, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        outbox.Services.AddSingleton(_ => new PostgreSqlDatabase(connectionString));
        return UseStore(outbox);
    }

    /// <summary>Keeps pending events in PostgreSQL, through the app's <see cref="NpgsqlDataSource"/> (its pool and settings).</summary>
    public static OutboxBuilder UsePostgreSql(this OutboxBuilder outbox, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(dataSource);
        outbox.Services.AddSingleton(_ => new PostgreSqlDatabase(dataSource));
        return UseStore(outbox);
    }

    private static OutboxBuilder UseStore(OutboxBuilder outbox)
    {
        AtomicRegistration.AddAtomicProcedures(outbox.Services, services =>
        {
            var database = services.GetRequiredService<PostgreSqlDatabase>();
            return async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        });
        return outbox.UseStore(services =>
            new PostgreSqlOutboxStore(
                services.GetRequiredService<PostgreSqlDatabase>(),
                services.GetRequiredService<IOptions<OutboxOptions>>().Value.TableName));
    }
}
