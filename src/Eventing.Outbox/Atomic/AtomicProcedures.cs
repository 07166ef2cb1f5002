using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Atomic;

/// <summary>The <see cref="IAtomicProcedures"/> of an outbox store: one connection and transaction per attempt.</summary>
internal sealed class AtomicProcedures(
    BeginAtomicTransaction begin,
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
        var transaction = await begin(isolation, cancellationToken).ConfigureAwait(false);
        var connection = transaction.Connection;
        try
        {
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
            outbox.Forget(transaction);
            await transaction.DisposeAsync().ConfigureAwait(false);
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
