using System.Data.Common;

namespace Eventing.Outbox.Storage;

/// <summary>
/// Where pending events live: one database and table. Store packages implement it; the outbox, the relay and the
/// flusher only talk to this interface.
/// </summary>
public interface IOutboxStore
{
    /// <summary>A short description for logs and errors, e.g. <c>sqlite orders.db table eventing_outbox</c> (no secrets).</summary>
    string Name { get; }

    /// <summary>Creates or migrates the table and its indexes; safe to run concurrently from several processes.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts <paramref name="record"/> inside the caller's <paramref name="transaction"/> and sets its
    /// <see cref="OutboxRecord.Sequence"/>.
    /// </summary>
    /// <returns>
    /// An id of the database transaction (PostgreSQL: its xid), or 0 where a <see cref="DbTransaction"/> object is
    /// never reused. Npgsql hands out the same object for every transaction of a pooled connection, so the outbox
    /// uses this id to tell the events of a new transaction from those of an earlier, rolled-back one.
    /// </returns>
    /// <exception cref="ArgumentException">The transaction belongs to another kind of database.</exception>
    ValueTask<long> InsertAsync(DbTransaction transaction, OutboxRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the rows of a just-committed transaction for the send after commit: only rows that exist (were
    /// committed) and that no relay holds are returned in the lease.
    /// </summary>
    Task<IOutboxLease> ClaimAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken);

    /// <summary>Deletes sent rows by sequence.</summary>
    Task DeleteAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a batch of pending rows for sending. While the lease is open no other relay sends them (where the store
    /// supports several relays); disposing it without <see cref="IOutboxLease.CompleteAsync"/> releases them.
    /// </summary>
    Task<IOutboxLease> LeaseAsync(OutboxLeaseRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Reads what waits in the table at <paramref name="now"/> (Unix milliseconds), from the indexes alone: the rows
    /// due and not yet sent, since when the oldest of them has been due, and the scheduled rows not due yet. Rows a
    /// relay has leased but not yet deleted are pending: until the broker confirmed them they may still be sent
    /// again. The health check and the backlog metrics read it.
    /// </summary>
    Task<OutboxBacklog> GetBacklogAsync(long now, CancellationToken cancellationToken);

    /// <summary>
    /// The earliest <see cref="OutboxRecord.DueAt"/> later than <paramref name="after"/> (Unix milliseconds), or
    /// <see langword="null"/>: the relay sleeps until then instead of a whole poll interval, so a scheduled send goes
    /// out on time.
    /// </summary>
    Task<long?> GetNextDueAsync(long after, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the scheduled row of <paramref name="messageId"/> if it is still not due at <paramref name="now"/>
    /// (Unix milliseconds): a relay only leases rows that are due, so a row deleted here was never sent and never
    /// will be. Inside <paramref name="transaction"/> when given (the cancel commits or rolls back with the caller's
    /// change), else on a connection of the store's own.
    /// </summary>
    /// <returns>Whether a row was deleted; false when the id is unknown, not scheduled, already due or sent.</returns>
    Task<bool> CancelScheduledAsync(string messageId, long now, DbTransaction? transaction, CancellationToken cancellationToken);
}
