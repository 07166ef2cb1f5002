namespace Eventing.AspNetCore.Idempotency.Storage;

/// <summary>What <see cref="IHttpResponseStore.TryClaimAsync"/> found.</summary>
/// <param name="State">Whether the caller holds the key now, or what else does.</param>
/// <param name="Fingerprint">The fingerprint of the request that holds or held the key (not for <see cref="ClaimState.Claimed"/>).</param>
/// <param name="Response">The stored response (<see cref="ClaimState.Completed"/> only), in <see cref="Execution.StoredResponse"/> form.</param>
internal readonly record struct ClaimOutcome(ClaimState State, string? Fingerprint, byte[]? Response)
{
    public static ClaimOutcome Claimed => new(ClaimState.Claimed, null, null);

    /// <summary>The outcome from a SQL store's row: state 0 running (the caller's own when it holds the token), 1 completed, 2 invalidated.</summary>
    public static ClaimOutcome FromRow(long state, string fingerprint, string holder, string token, byte[]? response) => state switch
    {
        0 when holder == token => Claimed,
        0 => new ClaimOutcome(ClaimState.Running, fingerprint, null),
        1 => new ClaimOutcome(ClaimState.Completed, fingerprint, response),
        _ => new ClaimOutcome(ClaimState.Invalidated, fingerprint, null),
    };
}

/// <summary>The states of a key.</summary>
internal enum ClaimState
{
    /// <summary>The caller holds the key and runs the request.</summary>
    Claimed,

    /// <summary>Another request holds the key and is still running (or died within its lease).</summary>
    Running,

    /// <summary>A response is stored.</summary>
    Completed,

    /// <summary>A response was stored, then a later request changed a resource it had changed.</summary>
    Invalidated,
}
