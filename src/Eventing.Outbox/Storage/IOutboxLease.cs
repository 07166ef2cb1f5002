namespace Eventing.Outbox.Storage;

/// <summary>A batch of pending rows taken by one relay; see <see cref="IOutboxStore.LeaseAsync"/>.</summary>
public interface IOutboxLease : IAsyncDisposable
{
    /// <summary>The rows, oldest first (in sequence order in ordered mode).</summary>
    IReadOnlyList<OutboxRecord> Records { get; }

    /// <summary>Deletes the rows that were sent and releases the rest.</summary>
    Task CompleteAsync(IReadOnlyList<long> sent, CancellationToken cancellationToken);
}
