using System.Data.Common;
using System.Runtime.CompilerServices;
using Eventing.Outbox.Diagnostics;
using Eventing.Outbox.Relay;
using Eventing.Outbox.Storage;
using Eventing.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox;

/// <summary>The <see cref="IOutbox"/>: records rows in the caller's transaction and sends them after its commit.</summary>
internal sealed class TransactionalOutbox(
    IEnvelopeSender sender,
    IOutboxStore store,
    OutboxDispatcher dispatcher,
    InFlightMessages inFlight,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<TransactionalOutbox> logger) : IOutbox
{
    // Keyed weakly by transaction: a transaction that is rolled back or committed elsewhere takes its list with it
    // when it is collected. Npgsql reuses one transaction object per pooled connection, so the list also carries the
    // database's transaction id: a new transaction on the same object starts a new list instead of inheriting the
    // events of a rolled-back one (and the claim after commit only returns rows that were really committed).
    private readonly ConditionalWeakTable<DbTransaction, PendingTransaction> _pending = new();
    private readonly OutboxOptions _options = options.Value;

    public IOutboxStore Store => store;

    public ValueTask<string> AddAsync<TEvent>(TEvent @event, DbTransaction transaction, CancellationToken cancellationToken = default)
        where TEvent : notnull => AddAsync(@event, null, transaction, cancellationToken);

    public async ValueTask<string> AddAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers,
        DbTransaction transaction,
        CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var message = await CreateMessageAsync(@event, headers, cancellationToken).ConfigureAwait(false);
        var transactionId = await store.InsertAsync(transaction, message.Record, cancellationToken).ConfigureAwait(false);
        PendingOf(transaction, transactionId).Messages.Add(message);
        return message.Envelope.Id;
    }

    public async ValueTask<string> ScheduleAsync<TEvent>(TEvent @event, DateTimeOffset dueAt, DbTransaction transaction, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var (envelope, descriptor) = await sender.CreateEnvelopeAsync(@event, null, cancellationToken).ConfigureAwait(false);
        // Rounded up to the millisecond of the column, so the relay, which sends once due_at <= now, is never early.
        var due = dueAt.ToUnixTimeMilliseconds();
        if (DateTimeOffset.FromUnixTimeMilliseconds(due) < dueAt)
        {
            due++;
        }

        var message = CreateMessage(envelope, descriptor, due);
        var transactionId = await store.InsertAsync(transaction, message.Record, cancellationToken).ConfigureAwait(false);

        // Not sent after the commit: the relay sends it when due. The commit only wakes the relay, which then knows
        // of a due time that may be sooner than the one it sleeps until.
        PendingOf(transaction, transactionId).Scheduled = true;
        return envelope.Id;
    }

    public async ValueTask<bool> CancelScheduledAsync(string messageId, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cancelled = await store.CancelScheduledAsync(messageId, now, transaction, cancellationToken).ConfigureAwait(false);
        if (cancelled)
        {
            OutboxLog.ScheduledSendCancelled(logger, messageId, store.Name);
        }

        return cancelled;
    }

    private PendingTransaction PendingOf(DbTransaction transaction, long transactionId)
    {
        var pending = _pending.GetOrCreateValue(transaction);
        if (pending.TransactionId != transactionId)
        {
            pending.TransactionId = transactionId;
            pending.Messages.Clear();
            pending.Scheduled = false;
        }

        return pending;
    }

    public async ValueTask CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        _pending.TryGetValue(transaction, out var pending);

        IReadOnlyList<PendingMessage> messages = pending?.Messages ?? [];
        MarkBeforeCommit(messages);
        try
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            CommitFailed(messages);
            throw;
        }

        if (pending is not null)
        {
            _pending.Remove(transaction);
            if (pending.Scheduled)
            {
                signal.Set();
            }

            await SendCommittedAsync(pending.Messages, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Marks the rows of a transaction about to commit as this process's to send: a relay with no grace period could
    /// otherwise lease and send them between the commit and <see cref="SendCommittedAsync"/>, and they would go out
    /// twice. Ordered outboxes leave every send to the relay.
    /// </summary>
    internal void MarkBeforeCommit(IReadOnlyList<PendingMessage> messages)
    {
        if (messages.Count > 0 && !_options.Ordered)
        {
            inFlight.Add(messages);
        }
    }

    /// <summary>The commit after <see cref="MarkBeforeCommit"/> failed: the rows never became visible.</summary>
    internal void CommitFailed(IReadOnlyList<PendingMessage> messages) => inFlight.Release(messages);

    /// <summary>Drops the events recorded in a transaction that will not commit (an atomic procedure's failed attempt).</summary>
    internal void Forget(DbTransaction transaction) => _pending.Remove(transaction);

    /// <summary>Serializes an event and runs the send pipelines, giving the row to insert.</summary>
    internal async ValueTask<PendingMessage> CreateMessageAsync<TEvent>(
        TEvent @event,
        IEnumerable<KeyValuePair<string, string>>? headers,
        CancellationToken cancellationToken)
        where TEvent : notnull
    {
        var (envelope, descriptor) = await sender.CreateEnvelopeAsync(@event, headers, cancellationToken).ConfigureAwait(false);
        return CreateMessage(envelope, descriptor);
    }

    private static IReadOnlyList<PendingMessage> Claimed(IReadOnlyList<PendingMessage> messages, IReadOnlyList<OutboxRecord> claimed)
    {
        if (claimed.Count == messages.Count)
        {
            return messages;
        }

        var result = new List<PendingMessage>(claimed.Count);
        var j = 0;
        for (var i = 0; i < messages.Count && j < claimed.Count; i++)
        {
            // Leases keep the order of the records they were given.
            if (ReferenceEquals(messages[i].Record, claimed[j]))
            {
                result.Add(messages[i]);
                j++;
            }
        }

        return result;
    }

    internal PendingMessage CreateMessage(Envelope envelope, EventDescriptor descriptor, long? dueAt = null)
    {
        var key = _options.Ordered ? _options.OrderingKey?.Invoke(envelope) ?? envelope.Type : null;
        return new PendingMessage(OutboxRecords.FromEnvelope(envelope, descriptor, key, dueAt), envelope, descriptor);
    }

    /// <summary>
    /// Sends messages whose transaction committed, then deletes their rows; failures stay pending. The caller marked
    /// them with <see cref="MarkBeforeCommit"/>; this releases them.
    /// </summary>
    internal async ValueTask SendCommittedAsync(IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        if (_options.Ordered)
        {
            // Two commits sending at once could overtake each other; the relay sends one event of a key at a time.
            signal.Set();
            return;
        }

        try
        {
            var records = new OutboxRecord[messages.Count];
            for (var i = 0; i < records.Length; i++)
            {
                records[i] = messages[i].Record;
            }

            var lease = await store.ClaimAsync(records, cancellationToken).ConfigureAwait(false);
            await using (lease.ConfigureAwait(false))
            {
                var claimed = Claimed(messages, lease.Records);
                var sent = (await dispatcher.SendAsync(claimed, ordered: false, cancellationToken).ConfigureAwait(false)).Sent;
                if (sent.Count > 0)
                {
                    try
                    {
                        await lease.CompleteAsync(sent, CancellationToken.None).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // The commit succeeded and the events are out; a row left behind is only sent again.
                    catch (Exception exception)
#pragma warning restore CA1031
                    {
                        OutboxLog.DeleteFailed(logger, exception, sent.Count, store.Name);
                    }
                }
            }
        }
#pragma warning disable CA1031 // The commit succeeded; if the claim fails the rows simply stay pending for the relay.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            OutboxLog.SendFailed(logger, exception, messages.Count, messages.Count, store.Name);
        }
        finally
        {
            inFlight.Release(messages);
        }
    }

    private sealed class PendingTransaction
    {
        public long TransactionId;
        public readonly List<PendingMessage> Messages = [];

        // Whether the transaction also scheduled a send, which the relay should hear of at commit.
        public bool Scheduled;
    }
}
