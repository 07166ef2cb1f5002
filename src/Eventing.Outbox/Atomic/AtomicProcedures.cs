using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Atomic;

/// <summary>The <see cref="IAtomicProcedures"/> of an outbox store: one connection and transaction per attempt.</summary>
internal sealed class AtomicProcedures(
    OpenAtomicConnection open,
    TransactionalOutbox outbox,
    IOptions<AtomicOptions> options,
    TimeProvider time,
    ILogger<AtomicProcedures> logger) : IAtomicProcedures
{
    private readonly AtomicRetry _retry = new(options.Value, time, logger);

    public ValueTask<TResult> ExecuteAtomicAsync<TResult>(
        Func<DbTransaction, CancellationToken, ValueTask<TResult>> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        return _retry.RunAsync((_, ct) => AttemptAsync(procedure, isolation, ct), cancellationToken);
    }

    public async ValueTask ExecuteAtomicAsync(
        Func<DbTransaction, CancellationToken, ValueTask> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        await ExecuteAtomicAsync<bool>(async (transaction, ct) =>
        {
            await procedure(transaction, ct).ConfigureAwait(false);
            return true;
        }, isolation, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<TResult> AttemptAsync<TResult>(
        Func<DbTransaction, CancellationToken, ValueTask<TResult>> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken)
    {
        var connection = await open(cancellationToken).ConfigureAwait(false);
        DbTransaction? transaction = null;
        try
        {
            // Microsoft.Data.Sqlite begins IMMEDIATE for every level but ReadUncommitted: a deferred transaction that
            // reads, then writes after another writer committed, fails with SQLITE_BUSY_SNAPSHOT on every retry of its
            // statement, while taking the write lock first makes the busy wait (and our retry past it) work.
            transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
            var result = await procedure(transaction, cancellationToken).ConfigureAwait(false);

            // Commits, then sends the events of this attempt; a conflict raised by the commit itself (PostgreSQL
            // checks serializability at commit too) is retried like one raised by a statement.
            await outbox.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            // An attempt that did not commit rolls back on dispose; its recorded events must not leak into the next
            // transaction of a pooled connection that reuses the same transaction object.
            if (transaction is not null)
            {
                outbox.Forget(transaction);
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
