namespace Eventing.Providers;

/// <summary>A provider's connection and consumers at one moment.</summary>
/// <param name="Endpoint">The broker's address, password masked.</param>
/// <param name="IsConnected">Whether the connection is open.</param>
/// <param name="DownSince">When the current outage began; null while connected.</param>
/// <param name="DownReason">Why it is down; null while connected.</param>
/// <param name="Reconnects">How often a lost connection was re-established.</param>
/// <param name="Consumers">Every consumer the provider runs.</param>
internal sealed record ProviderHealthSnapshot(
    string Endpoint,
    bool IsConnected,
    DateTimeOffset? DownSince,
    string? DownReason,
    long Reconnects,
    IReadOnlyList<ConsumerHealthSnapshot> Consumers);
