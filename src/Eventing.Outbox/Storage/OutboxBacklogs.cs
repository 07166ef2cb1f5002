using System.Data.Common;

namespace Eventing.Outbox.Storage;

/// <summary>Reads the one-row backlog query every store runs, so the stores agree on what counts as pending.</summary>
internal static class OutboxBacklogs
{
    /// <summary>
    /// The row of a query selecting, in this order: the count and the oldest <c>created_at</c> of the unscheduled
    /// rows; the count and the oldest <c>due_at</c> of the scheduled rows already due; the count and the earliest
    /// <c>due_at</c> of those not due yet.
    /// </summary>
    public static OutboxBacklog Read(DbDataReader reader)
    {
        var unscheduled = reader.GetInt64(0);
        long? oldestCreated = reader.IsDBNull(1) ? null : reader.GetInt64(1);
        var due = reader.GetInt64(2);
        long? oldestDue = reader.IsDBNull(3) ? null : reader.GetInt64(3);
        long? oldest = oldestCreated is { } created && oldestDue is { } dueAt ? Math.Min(created, dueAt) : oldestCreated ?? oldestDue;
        return new OutboxBacklog(unscheduled + due, oldest)
        {
            Scheduled = reader.GetInt64(4),
            NextDueAt = reader.IsDBNull(5) ? null : reader.GetInt64(5),
        };
    }
}
