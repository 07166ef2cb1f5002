using Eventing.Outbox.Atomic;
using Eventing.Outbox.Sqlite;
using Eventing.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox;

/// <summary>Stores the outbox in SQLite.</summary>
public static class SqliteOutboxBuilderExtensions
{
    /// <summary>
    /// Keeps pending events in a table of the SQLite database at <paramref name="connectionString"/>, the database the
    /// app writes its own data to (the rows must be written in the app's transaction). Run one relay per file. Also
    /// registers <see cref="IAtomicProcedures"/> on that database.
    /// </summary>
    /// <example><code>events.AddOutbox(outbox =&gt; outbox.UseSqlite("Data Source=orders.db"));</code></example>
    public static OutboxBuilder UseSqlite(this OutboxBuilder outbox, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var database = new SqliteDatabase(connectionString);
        AtomicRegistration.AddAtomicProcedures(outbox.Services, _ => async cancellationToken => await database.OpenAsync(cancellationToken).ConfigureAwait(false));
        return outbox.UseStore(services =>
            new SqliteOutboxStore(database, services.GetRequiredService<IOptions<OutboxOptions>>().Value.TableName));
    }
}
