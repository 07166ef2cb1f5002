using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace Eventing.Outbox.EntityFrameworkCore;

/// <summary>The events of one DbContext on their way from <c>AddEvent</c> to the broker.</summary>
internal sealed class OutboxContextState
{
    // Per context instance, weakly: a context that is disposed with events never saved drops them with it.
    private static readonly ConditionalWeakTable<DbContext, OutboxContextState> States = new();

    /// <summary>Added with <c>AddEvent</c>, not yet turned into rows.</summary>
    public List<(object Event, IEnumerable<KeyValuePair<string, string>>? Headers)> Queued { get; } = [];

    /// <summary>Rows added to the context by the current or a failed SaveChanges.</summary>
    public List<PendingMessage> Written { get; } = [];

    /// <summary>Rows saved inside the app's own transaction, waiting for its commit.</summary>
    public List<PendingMessage> AwaitingCommit { get; } = [];

    /// <summary>A SaveChanges with rows runs with no transaction of the app's open: it commits them by itself.</summary>
    public bool SavingInOwnTransaction { get; set; }

    /// <summary>Forgets every event of the context: its transaction rolled back and the work is being redone.</summary>
    public void Reset()
    {
        Queued.Clear();
        Written.Clear();
        AwaitingCommit.Clear();
        SavingInOwnTransaction = false;
    }

    public static OutboxContextState For(DbContext context) => States.GetOrCreateValue(context);

    public static OutboxContextState? Find(DbContext? context) =>
        context is not null && States.TryGetValue(context, out var state) ? state : null;
}
