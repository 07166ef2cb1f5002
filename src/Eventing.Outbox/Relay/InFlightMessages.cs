using Eventing.Outbox.Storage;

namespace Eventing.Outbox.Relay;

/// <summary>
/// Rows this process sends right after their commit, so its own relay never sends them as well. Stores without row
/// locks (SQLite) cannot keep a relay's lease and the send after commit apart; this set does, within one process.
/// </summary>
/// <remarks>
/// Rows are marked by message id, known before the insert, and before their transaction commits, so a lease that
/// sees a row sees its mark. The mark is dropped
/// once the send after commit has deleted the row, and that can fall between a lease's read and its look at the
/// marks: the lease would then hold a row that is already gone and send it again. So a mark dropped while a lease
/// is reading still counts for that lease; the row is either deleted or, if its send failed, taken by the next pass.
/// </remarks>
internal sealed class InFlightMessages
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string> _releasedWhileLeasing = new(StringComparer.Ordinal);
    private int _leasing;

    /// <summary>Marks rows before the commit that makes them visible to a lease.</summary>
    public void Add(IReadOnlyList<PendingMessage> messages)
    {
        lock (_gate)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                _ids.Add(messages[i].Record.MessageId);
            }
        }
    }

    /// <summary>Drops the marks once the send after commit is over (rows deleted, or left pending) or the commit failed.</summary>
    public void Release(IReadOnlyList<PendingMessage> messages)
    {
        lock (_gate)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var id = messages[i].Record.MessageId;
                if (_ids.Remove(id) && _leasing > 0)
                {
                    _releasedWhileLeasing.Add(id);
                }
            }
        }
    }

    /// <summary>Leases a batch and gives the rows of it that no send after commit has or had while the lease read.</summary>
    public async Task<(IOutboxLease Lease, List<OutboxRecord> Free)> LeaseAsync(
        IOutboxStore store,
        OutboxLeaseRequest request,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _leasing++;
        }

        IOutboxLease lease;
        try
        {
            lease = await store.LeaseAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                EndLeaseLocked();
            }

            throw;
        }

        lock (_gate)
        {
            var records = lease.Records;
            var free = new List<OutboxRecord>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var id = records[i].MessageId;
                if (!_ids.Contains(id) && !_releasedWhileLeasing.Contains(id))
                {
                    free.Add(records[i]);
                }
            }

            EndLeaseLocked();
            return (lease, free);
        }
    }

    private void EndLeaseLocked()
    {
        if (--_leasing == 0)
        {
            _releasedWhileLeasing.Clear();
        }
    }
}
