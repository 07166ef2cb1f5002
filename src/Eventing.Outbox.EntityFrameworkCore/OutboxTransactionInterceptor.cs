using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Eventing.Outbox.EntityFrameworkCore;

/// <summary>Sends the events saved inside the app's own transaction when it commits; forgets them when it rolls back.</summary>
internal sealed class OutboxTransactionInterceptor(TransactionalOutbox outbox) : DbTransactionInterceptor
{
    public override ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction,
        TransactionEventData eventData,
        InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        // The rows saved in the app's transaction, marked before its commit makes them visible to the relay (a
        // SaveChanges that commits by itself marked its own rows before it began).
        if (OutboxContextState.Find(eventData.Context) is { AwaitingCommit.Count: > 0 } state)
        {
            outbox.MarkBeforeCommit(state.AwaitingCommit);
        }

        return ValueTask.FromResult(result);
    }

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        // The rows marked by TransactionCommittingAsync: nothing changes them while the commit runs.
        if (eventData.Action == "Commit" && OutboxContextState.Find(eventData.Context) is { AwaitingCommit.Count: > 0 } state)
        {
            outbox.CommitFailed(state.AwaitingCommit);
        }

        return Task.CompletedTask;
    }

    public override async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var context = eventData.Context;
        if (OutboxContextState.Find(context) is not { AwaitingCommit.Count: > 0 } state)
        {
            return;
        }

        var messages = state.AwaitingCommit.ToArray();
        state.AwaitingCommit.Clear();
        Detach(context!, messages);
        await outbox.SendCommittedAsync(messages, cancellationToken).ConfigureAwait(false);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        // A synchronous Commit() cannot await the send; the rows stay pending and the relay sends them after the grace
        // period. Detach them so the context does not track rows that the relay will delete.
        if (OutboxContextState.Find(eventData.Context) is { AwaitingCommit.Count: > 0 } state)
        {
            Detach(eventData.Context!, [.. state.AwaitingCommit]);
            state.AwaitingCommit.Clear();
        }
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    internal static void Detach(DbContext context, IReadOnlyList<PendingMessage> messages)
    {
        foreach (var message in messages)
        {
            context.Entry(message.Record).State = EntityState.Detached;
        }
    }

    private static void Forget(DbContext? context)
    {
        // The rows went with the transaction; the context still tracks them as saved.
        if (OutboxContextState.Find(context) is { AwaitingCommit.Count: > 0 } state)
        {
            Detach(context!, [.. state.AwaitingCommit]);
            state.AwaitingCommit.Clear();
        }
    }
}
