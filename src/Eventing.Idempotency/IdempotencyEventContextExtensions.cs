using System.Data.Common;
using Eventing.Idempotency.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Idempotency;

/// <summary>Lets an idempotent handler join the transaction of the processed-message record.</summary>
public static class IdempotencyEventContextExtensions
{
    /// <summary>
    /// The transaction in which a SQL store records this message as processed. Do the handler's database work in it
    /// and both commit together after the handler returns, or roll back together when it throws.
    /// </summary>
    /// <example>
    /// <code>
    /// var transaction = context.GetDbTransaction();
    /// await using var command = transaction.Connection!.CreateCommand();
    /// command.Transaction = transaction;
    /// </code>
    /// </example>
    /// <exception cref="InvalidOperationException">The listener is not idempotent or its store is not a SQL store.</exception>
    public static DbTransaction GetDbTransaction(this EventContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Services.GetService<IdempotencyScope>()?.Claim?.Transaction
            ?? throw new InvalidOperationException(
                $"{context.Listener.Queue} has no idempotency transaction. Mark the listener [Idempotent] or .Idempotent(...) and use a SQL store (UseSqlite or UsePostgreSql) in AddIdempotency.");
    }
}
