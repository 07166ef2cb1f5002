using System.Data;
using Eventing.Outbox;
using Eventing.Outbox.Atomic;
using Eventing.Outbox.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Atomic procedures on a DbContext: a transaction that is run again when it loses a conflict.</summary>
public static class OutboxDbContextAtomicExtensions
{
    /// <summary>
    /// Runs <paramref name="procedure"/> in a transaction of <paramref name="context"/> at <paramref name="isolation"/>
    /// and commits it; on a serialization failure, deadlock or SQLite busy/locked it rolls back, forgets the tracked
    /// changes and the events added with <c>AddEvent</c>, and runs the procedure again (see <see cref="AtomicOptions"/>).
    /// Events saved inside are sent once, after the commit that succeeded.
    /// </summary>
    /// <remarks>
    /// The procedure calls <c>SaveChangesAsync</c> itself and must not commit. Each attempt starts with an empty change
    /// tracker, so load what you change inside the procedure. Retry settings come from the app's
    /// <see cref="AtomicOptions"/> when the context was built by dependency injection, otherwise the defaults.
    /// Do not combine with a retrying execution strategy (<c>EnableRetryOnFailure</c>): this is the retry.
    /// </remarks>
    /// <example>
    /// <code>
    /// await db.ExecuteAtomicAsync(async (transaction, ct) =&gt;
    /// {
    ///     var counter = await db.Counters.SingleAsync(c =&gt; c.Name == "orders", ct);
    ///     counter.Value++;
    ///     db.AddEvent(new CounterIncremented(counter.Value));
    ///     await db.SaveChangesAsync(ct);
    /// }, IsolationLevel.Serializable, cancellationToken);
    /// </code>
    /// </example>
    /// <exception cref="AtomicProcedureException">Every attempt conflicted.</exception>
    public static ValueTask<TResult> ExecuteAtomicAsync<TResult>(
        this DbContext context,
        Func<IDbContextTransaction, CancellationToken, ValueTask<TResult>> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(procedure);
        var services = context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
        var options = services?.GetService<IOptions<AtomicOptions>>()?.Value ?? new AtomicOptions();
        var retry = new AtomicRetry(
            options,
            services?.GetService<TimeProvider>() ?? TimeProvider.System,
            services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(OutboxDbContextAtomicExtensions)) ?? NullLogger.Instance);
        return retry.RunAsync((attempt, ct) => AttemptAsync(context, procedure, isolation, attempt, ct), cancellationToken);
    }

    /// <inheritdoc cref="ExecuteAtomicAsync{TResult}(DbContext, Func{IDbContextTransaction, CancellationToken, ValueTask{TResult}}, IsolationLevel, CancellationToken)"/>
    public static async ValueTask ExecuteAtomicAsync(
        this DbContext context,
        Func<IDbContextTransaction, CancellationToken, ValueTask> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        await context.ExecuteAtomicAsync<bool>(async (transaction, ct) =>
        {
            await procedure(transaction, ct).ConfigureAwait(false);
            return true;
        }, isolation, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<TResult> AttemptAsync<TResult>(
        DbContext context,
        Func<IDbContextTransaction, CancellationToken, ValueTask<TResult>> procedure,
        IsolationLevel isolation,
        int attempt,
        CancellationToken cancellationToken)
    {
        if (attempt > 1)
        {
            // The failed attempt's entities and events belong to a transaction that rolled back; keeping them would
            // save stale values or send events of an attempt that never committed.
            context.ChangeTracker.Clear();
            OutboxContextState.Find(context)?.Reset();
        }

        var transaction = await context.Database.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var result = await procedure(transaction, cancellationToken).ConfigureAwait(false);

            // The outbox's transaction interceptor sends the saved events once this commit succeeded.
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
    }
}
