using System.Data.Common;

namespace Eventing.Outbox.Atomic;

/// <summary>How a store package opens a connection to its database for one attempt of an atomic procedure; the caller owns it.</summary>
internal delegate ValueTask<DbConnection> OpenAtomicConnection(CancellationToken cancellationToken);
