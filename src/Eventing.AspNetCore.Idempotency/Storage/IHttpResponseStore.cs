namespace Eventing.AspNetCore.Idempotency.Storage;

/// <summary>
/// Where idempotency keys and their stored responses live. A key is claimed by one request at a time (with a lease,
/// so a dead process does not hold it for ever), completed with the response and the resources it changed, or
/// released when the request failed; a later change to one of those resources invalidates the stored response.
/// </summary>
internal interface IHttpResponseStore
{
    /// <summary>Claims <paramref name="key"/> for the caller (token) unless a live record holds it; says what holds it otherwise.</summary>
    ValueTask<ClaimOutcome> TryClaimAsync(string key, string fingerprint, string token, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the response of the claim <paramref name="token"/> and links it to <paramref name="resources"/>; false
    /// when the claim was lost meanwhile (its lease ran out and another request took the key).
    /// </summary>
    ValueTask<bool> CompleteAsync(string key, string token, byte[] response, IReadOnlyCollection<string> resources, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Gives up the claim <paramref name="token"/>, so the next request with the key runs.</summary>
    ValueTask ReleaseAsync(string key, string token, CancellationToken cancellationToken);

    /// <summary>Marks the stored responses linked to any of <paramref name="resources"/> invalidated, except <paramref name="exceptKey"/>'s; returns how many.</summary>
    ValueTask<long> InvalidateAsync(IReadOnlyCollection<string> resources, string exceptKey, CancellationToken cancellationToken);

    /// <summary>Deletes expired keys and links; returns how many. Stores that expire by themselves return 0.</summary>
    ValueTask<long> PurgeExpiredAsync(CancellationToken cancellationToken);
}
