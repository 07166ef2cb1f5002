using System.Data.Common;
using Eventing.Outbox.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Outbox.Tests;

/// <summary>
/// The real store of a test, seen from outside: when a relay pass leased rows, and when it was over. The first pass
/// that leases rows can be held right after its read, before the relay looks at what it got.
/// </summary>
internal sealed class ObservedStore : IOutboxStore
{
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IOutboxStore? _inner;
    private int _leasesWithRows;

    public bool HoldFirstLeaseWithRows { get; init; }

    /// <summary>A lease returned rows (and is held there if <see cref="HoldFirstLeaseWithRows"/>).</summary>
    public TaskCompletionSource LeasedRows { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A pass whose lease had rows is over: its sends are done and its lease disposed.</summary>
    public TaskCompletionSource PassWithRowsEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => Inner.Name;

    private IOutboxStore Inner => _inner ?? throw new InvalidOperationException("The store has not been resolved yet.");

    /// <summary>Replaces the store registered by <paramref name="outbox"/>'s <c>UseXyz</c> with this view of it.</summary>
    public void Observe(OutboxBuilder outbox)
    {
        var registered = outbox.Services.Last(service => service.ServiceType == typeof(IOutboxStore));
        outbox.Services.Remove(registered);
        outbox.Services.AddSingleton<IOutboxStore>(services =>
        {
            _inner = (IOutboxStore)registered.ImplementationFactory!(services);
            return this;
        });
    }

    public void Resume() => _resume.TrySetResult();

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => Inner.EnsureSchemaAsync(cancellationToken);

    public ValueTask<long> InsertAsync(DbTransaction transaction, OutboxRecord record, CancellationToken cancellationToken) =>
        Inner.InsertAsync(transaction, record, cancellationToken);

    public Task<IOutboxLease> ClaimAsync(IReadOnlyList<OutboxRecord> records, CancellationToken cancellationToken) =>
        Inner.ClaimAsync(records, cancellationToken);

    public Task DeleteAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken) => Inner.DeleteAsync(sequences, cancellationToken);

    public Task<OutboxBacklog> GetBacklogAsync(long now, CancellationToken cancellationToken) => Inner.GetBacklogAsync(now, cancellationToken);

    public Task<long?> GetNextDueAsync(long after, CancellationToken cancellationToken) => Inner.GetNextDueAsync(after, cancellationToken);

    public Task<bool> CancelScheduledAsync(string messageId, long now, DbTransaction? transaction, CancellationToken cancellationToken) =>
        Inner.CancelScheduledAsync(messageId, now, transaction, cancellationToken);

    public async Task<IOutboxLease> LeaseAsync(OutboxLeaseRequest request, CancellationToken cancellationToken)
    {
        var lease = await Inner.LeaseAsync(request, cancellationToken);
        if (lease.Records.Count == 0)
        {
            return lease;
        }

        var first = Interlocked.Increment(ref _leasesWithRows) == 1;
        LeasedRows.TrySetResult();
        if (first && HoldFirstLeaseWithRows)
        {
            await _resume.Task.WaitAsync(cancellationToken);
        }

        return new ObservedLease(lease, PassWithRowsEnded);
    }

    private sealed class ObservedLease(IOutboxLease inner, TaskCompletionSource ended) : IOutboxLease
    {
        public IReadOnlyList<OutboxRecord> Records => inner.Records;

        public Task CompleteAsync(IReadOnlyList<long> sent, CancellationToken cancellationToken) => inner.CompleteAsync(sent, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            ended.TrySetResult();
        }
    }
}
