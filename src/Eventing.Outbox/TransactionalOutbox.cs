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
    // when it is collected, so nothing leaks and nothing is sent for it.
    private readonly ConditionalWeakTable<DbTransaction, List<PendingMessage>> _pending = new();
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
        await store.InsertAsync(transaction, message.Record, cancellationToken).ConfigureAwait(false);
        _pending.GetOrCreateValue(transaction).Add(message);
        return message.Envelope.Id;
    }

    public async ValueTask CommitAsync(DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (_pending.TryGetValue(transaction, out var messages))
        {
            _pending.Remove(transaction);
            await SendCommittedAsync(messages, cancellationToken).ConfigureAwait(false);
        }
    }

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

    internal PendingMessage CreateMessage(Envelope envelope, EventDescriptor descriptor)
    {
        var key = _options.Ordered ? _options.OrderingKey?.Invoke(envelope) ?? envelope.Type : null;
        return new PendingMessage(OutboxRecords.FromEnvelope(envelope, descriptor, key), envelope, descriptor);
    }

    /// <summary>Sends messages whose transaction committed, then deletes their rows; failures stay pending.</summary>
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

        inFlight.Add(messages);
        try
        {
            var sent = await dispatcher.SendAsync(messages, ordered: false, cancellationToken).ConfigureAwait(false);
            if (sent.Count > 0)
            {
                try
                {
                    await store.DeleteAsync(sent, cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The commit succeeded and the events are out; a row left behind is only sent again.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    OutboxLog.DeleteFailed(logger, exception, sent.Count, store.Name);
                }
            }
        }
        finally
        {
            inFlight.Remove(messages);
        }
    }
}
