using System.Data;
using System.Data.Common;

namespace Eventing.Outbox;

/// <summary>
/// Runs a procedure in a transaction on the outbox's database and retries it when the database rejects the
/// transaction for a conflict: PostgreSQL serialization failure (40001) or deadlock (40P01), SQLite busy or locked.
/// Events recorded with <see cref="IOutbox.AddAsync{TEvent}(TEvent, DbTransaction, CancellationToken)"/> inside are
/// sent once, after the commit that succeeded; an attempt that rolled back takes its events with it.
/// </summary>
/// <remarks>
/// The procedure must not commit or roll back: it returns, and the transaction is committed for it. It runs again
/// from the start on a conflict, so it must read what it needs inside the transaction and keep no effects outside
/// it (an HTTP call in it would repeat).
/// </remarks>
/// <example>
/// <code>
/// var total = await atomic.ExecuteAtomicAsync(async (transaction, ct) =&gt;
/// {
///     var value = await IncrementAsync(transaction, ct);
///     await outbox.AddAsync(new CounterIncremented(value), transaction, ct);
///     return value;
/// }, IsolationLevel.Serializable, cancellationToken);
/// </code>
/// </example>
public interface IAtomicProcedures
{
    /// <summary>Runs <paramref name="procedure"/> atomically at <paramref name="isolation"/>, retrying it on conflicts.</summary>
    /// <returns>What the procedure returned in the attempt that committed.</returns>
    /// <exception cref="AtomicProcedureException">Every one of <see cref="AtomicOptions.MaxAttempts"/> attempts conflicted.</exception>
    ValueTask<TResult> ExecuteAtomicAsync<TResult>(
        Func<DbTransaction, CancellationToken, ValueTask<TResult>> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="procedure"/> atomically at <paramref name="isolation"/>, retrying it on conflicts.</summary>
    /// <exception cref="AtomicProcedureException">Every one of <see cref="AtomicOptions.MaxAttempts"/> attempts conflicted.</exception>
    ValueTask ExecuteAtomicAsync(
        Func<DbTransaction, CancellationToken, ValueTask> procedure,
        IsolationLevel isolation,
        CancellationToken cancellationToken = default);
}
