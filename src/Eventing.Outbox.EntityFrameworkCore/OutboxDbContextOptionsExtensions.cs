using Eventing.Outbox;
using Eventing.Outbox.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Connects a DbContext to the outbox.</summary>
public static class OutboxDbContextOptionsExtensions
{
    /// <summary>
    /// Adds the interceptors that write events added with <c>AddEvent</c> in the SaveChanges transaction and send them
    /// after commit (at the end of SaveChanges, or when the app's own transaction commits).
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddDbContext&lt;OrdersDb&gt;((services, db) =&gt; db.UseSqlite(connectionString).UseOutbox(services));
    /// </code>
    /// </example>
    public static DbContextOptionsBuilder UseOutbox(this DbContextOptionsBuilder options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var outbox = services.GetService<TransactionalOutbox>()
            ?? throw new InvalidOperationException("UseOutbox needs the outbox: call events.AddOutbox(outbox => outbox.UseSqlite(...) or UsePostgreSql(...)) inside AddEventing.");
        return options.AddInterceptors(new OutboxSaveChangesInterceptor(outbox), new OutboxTransactionInterceptor(outbox));
    }
}
