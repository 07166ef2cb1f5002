using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Eventing.Outbox.EntityFrameworkCore;

/// <summary>
/// Turns the events added to a context into outbox rows before SaveChanges writes, so EF inserts them in its own
/// transaction (with its savepoints and execution strategy), and sends them once that transaction committed.
/// </summary>
internal sealed class OutboxSaveChangesInterceptor(TransactionalOutbox outbox) : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (OutboxContextState.Find(eventData.Context) is { Queued.Count: > 0 })
        {
            throw new InvalidOperationException("Events were added to this DbContext with AddEvent; save them with SaveChangesAsync (the send pipelines are asynchronous).");
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        var context = eventData.Context;
        if (OutboxContextState.Find(context) is not { } state)
        {
            return result;
        }

        foreach (var (@event, headers) in state.Queued)
        {
            var message = await outbox.CreateMessageAsync(@event, headers, cancellationToken).ConfigureAwait(false);
            context!.Add(message.Record);
            state.Written.Add(message);
        }

        state.Queued.Clear();
        // No transaction open: SaveChanges commits by itself (in one of its own, or a lone INSERT without one), so
        // its rows are marked in flight now, before any of them is visible to the relay. The rows of an earlier,
        // failed SaveChanges are written again with them.
        if (state.Written.Count > 0 && context!.Database.CurrentTransaction is null)
        {
            state.SavingInOwnTransaction = true;
            outbox.MarkBeforeCommit(state.Written);
        }

        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        var context = eventData.Context;
        if (OutboxContextState.Find(context) is not { Written.Count: > 0 } state)
        {
            return result;
        }

        state.SavingInOwnTransaction = false;

        if (context!.Database.CurrentTransaction is not null)
        {
            // Saved inside the app's transaction: not committed yet; the transaction interceptor sends on commit.
            state.AwaitingCommit.AddRange(state.Written);
            state.Written.Clear();
            return result;
        }

        // SaveChanges ran its own transaction and it committed.
        var messages = state.Written.ToArray();
        state.Written.Clear();
        OutboxTransactionInterceptor.Detach(context, messages);
        await outbox.SendCommittedAsync(messages, cancellationToken).ConfigureAwait(false);
        return result;
    }

    // On failure the rows stay Added in the context (and in Written): a retried SaveChanges writes them again.
    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        EndSave(eventData.Context);
        return Task.CompletedTask;
    }

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        EndSave(eventData.Context);
        return Task.CompletedTask;
    }

    private void EndSave(DbContext? context)
    {
        // Nothing of a SaveChanges that ran alone and failed committed: its rows are written again by the next one.
        if (OutboxContextState.Find(context) is { SavingInOwnTransaction: true } state)
        {
            state.SavingInOwnTransaction = false;
            outbox.CommitFailed(state.Written);
        }
    }
}
