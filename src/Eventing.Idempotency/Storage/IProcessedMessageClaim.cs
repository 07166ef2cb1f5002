using System.Data.Common;

namespace Eventing.Idempotency;

/// <summary>
/// A message claimed for handling. <see cref="CompleteAsync"/> records it as processed; disposing without completing
/// gives the claim up, so a retry or redelivery runs the handler again.
/// </summary>
public interface IProcessedMessageClaim : IAsyncDisposable
{
    /// <summary>
    /// The transaction the processed record is written in (SQL stores), which the handler joins through
    /// <see cref="IdempotencyEventContextExtensions.GetDbTransaction"/>; <see langword="null"/> for other stores.
    /// </summary>
    DbTransaction? Transaction { get; }

    /// <summary>Records the message as processed (a SQL store commits the transaction, with the handler's work).</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
