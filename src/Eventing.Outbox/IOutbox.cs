using System.Data.Common;

namespace Eventing.Outbox;

/// <summary>
/// Records events as rows in the caller's database transaction and sends them once that transaction commits.
/// </summary>
/// <remarks>
/// ADO.NET has no commit notification, so the outbox cannot see a plain <c>transaction.Commit()</c>. Commit through
/// <see cref="CommitAsync"/> instead: it commits, then sends the recorded events at once and deletes their rows when
/// the provider confirmed them. Events of a transaction committed any other way are still safe: they stay pending and
/// the relay sends them after <see cref="OutboxOptions.GracePeriod"/>. A rolled-back transaction takes its rows with it,
/// so nothing is sent.
/// </remarks>
/// <example>
/// <code>
/// await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
/// // ... the business change, on the same connection and transaction ...
/// await outbox.AddAsync(new OrderPlaced(orderId, total), transaction, cancellationToken);
/// await outbox.CommitAsync(transaction, cancellationToken);
/// </code>
/// </example>
public interface IOutbox
{
    /// <summary>
    /// Serializes <paramref name="event"/>, runs the send pipelines (so headers reflect the current request) and
    /// inserts the envelope as a row inside <paramref name="transaction"/>.
    /// </summary>
    /// <returns>The message id; the broker and listeners see this id on every (re)send.</returns>
    ValueTask<string> AddAsync<TEvent>(TEvent @event, DbTransaction transaction, CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>Like <see cref="AddAsync{TEvent}(TEvent, DbTransaction, CancellationToken)"/>, with extra headers.</summary>
    ValueTask<string> AddAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers,
        DbTransaction transaction,
        CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>
    /// Commits <paramref name="transaction"/>, then sends the events recorded in it and deletes their rows once the
    /// provider confirmed them. A send that fails is logged and its row stays pending for the relay: once the commit
    /// succeeded this method does not throw for the send. In ordered mode the relay sends, woken at once, so that
    /// concurrent commits cannot overtake each other.
    /// </summary>
    /// <exception cref="DbException">The commit failed; nothing was sent.</exception>
    ValueTask CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default);
}
