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
    /// Records <paramref name="event"/> inside <paramref name="transaction"/> to be sent at <paramref name="dueAt"/>:
    /// the relay sends it once due (not at commit), so the schedule lives in the application's database and survives
    /// restarts of the application and outages of the broker. Listeners get it no earlier than <paramref name="dueAt"/>;
    /// a time in the past is due at once. The send pipelines run now, as for <see cref="AddAsync{TEvent}(TEvent, DbTransaction, CancellationToken)"/>.
    /// </summary>
    /// <returns>The message id: pass it to <see cref="CancelScheduledAsync"/> to call the send off before it is due.</returns>
    ValueTask<string> ScheduleAsync<TEvent>(TEvent @event, DateTimeOffset dueAt, DbTransaction transaction, CancellationToken cancellationToken = default)
        where TEvent : notnull;

    /// <summary>
    /// Calls off a send recorded by <see cref="ScheduleAsync"/> that is not due yet: its row is deleted and it is never
    /// sent. Inside <paramref name="transaction"/> when given, so the cancel commits or rolls back with the caller's
    /// change; else at once, on a connection of the outbox's own.
    /// </summary>
    /// <returns>
    /// <see langword="true"/> when the send was called off; <see langword="false"/> when it is already due (it is being
    /// sent or was sent), or no scheduled send has this id.
    /// </returns>
    ValueTask<bool> CancelScheduledAsync(string messageId, DbTransaction? transaction = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits <paramref name="transaction"/>, then sends the events recorded in it and deletes their rows once the
    /// provider confirmed them. A send that fails is logged and its row stays pending for the relay: once the commit
    /// succeeded this method does not throw for the send. In ordered mode the relay sends, woken at once, so that
    /// concurrent commits cannot overtake each other.
    /// </summary>
    /// <exception cref="DbException">The commit failed; nothing was sent.</exception>
    ValueTask CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default);
}
