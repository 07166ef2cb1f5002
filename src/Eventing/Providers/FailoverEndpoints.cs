namespace Eventing.Providers;

/// <summary>
/// The endpoints (cluster nodes) a provider may connect to and the order of one round of connection attempts.
/// A provider tries every endpoint of a round once, moving on at once when one fails, and backs off only
/// between rounds.
/// </summary>
/// <typeparam name="T">What the provider connects to: a URI, or its own resolved form of one.</typeparam>
internal sealed class FailoverEndpoints<T>
{
    private readonly T[] _endpoints;

    /// <summary>Creates the list; <paramref name="endpoints"/> must hold at least one.</summary>
    public FailoverEndpoints(IEnumerable<T> endpoints, EndpointOrder order)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _endpoints = [.. endpoints];
        if (_endpoints.Length == 0)
        {
            throw new ArgumentException("At least one endpoint is needed.", nameof(endpoints));
        }

        Order = order;
    }

    /// <summary>Every endpoint, in the configured order.</summary>
    public IReadOnlyList<T> All => _endpoints;

    /// <summary>How each round is ordered.</summary>
    public EndpointOrder Order { get; }

    /// <summary>The endpoints in the order of the next round of attempts: shuffled anew each time, or as configured.</summary>
    public IReadOnlyList<T> NextRound()
    {
        if (Order == EndpointOrder.InOrder || _endpoints.Length == 1)
        {
            return _endpoints;
        }

        var round = (T[])_endpoints.Clone();
        Random.Shared.Shuffle(round);
        return round;
    }

    /// <summary>
    /// Tries the endpoints of the next round in turn and returns the first connection made. The round's last failure,
    /// or a failure for which <paramref name="endsRound"/> is true (refused credentials are refused by every node of a
    /// cluster), is thrown; each other failure is passed to <paramref name="skipped"/> and the next endpoint tried at
    /// once. Cancellation is never taken for a failed endpoint.
    /// </summary>
    public async Task<TConnection> ConnectAsync<TConnection>(
        Func<T, CancellationToken, Task<TConnection>> connect,
        Func<Exception, bool> endsRound,
        Action<T, Exception> skipped,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(endsRound);
        ArgumentNullException.ThrowIfNull(skipped);
        var round = NextRound();
        for (var i = 0; ; i++)
        {
            try
            {
                return await connect(round[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (i < round.Count - 1 && !cancellationToken.IsCancellationRequested && !endsRound(exception))
            {
                skipped(round[i], exception);
            }
        }
    }
}
