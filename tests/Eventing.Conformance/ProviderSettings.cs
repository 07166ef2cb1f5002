namespace Eventing.Conformance;

/// <summary>What a test asks of the provider a target configures.</summary>
public sealed record ProviderSettings
{
    /// <summary>The default: the running broker, default timeouts.</summary>
    public static ProviderSettings Default { get; } = new();

    /// <summary>Valid, wrong or unreachable connection.</summary>
    public ConnectionMode Connection { get; init; } = ConnectionMode.Normal;

    /// <summary>The provider's send timeout, when the test needs a particular one.</summary>
    public TimeSpan? SendTimeout { get; init; }

    /// <summary>The provider's connect timeout, when the test needs a particular one.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// On a cluster target: the nodes (1-based) the provider is given, tried in this order (the first one is where
    /// it connects while it is up). Null: every node, in the provider's default (shuffled) order.
    /// </summary>
    public IReadOnlyList<int>? Nodes { get; init; }
}
