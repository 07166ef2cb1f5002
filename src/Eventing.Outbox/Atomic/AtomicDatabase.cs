using System.Data;
using System.Data.Common;

namespace Eventing.Outbox.Atomic;

/// <summary>
/// How a store package begins a transaction of an atomic procedure on its database: an open connection and its
/// transaction, both owned by the caller.
/// </summary>
internal delegate ValueTask<DbTransaction> BeginAtomicTransaction(IsolationLevel isolation, CancellationToken cancellationToken);
