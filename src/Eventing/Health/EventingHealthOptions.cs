namespace Eventing;

/// <summary>When the Eventing health check reports Degraded and when Unhealthy.</summary>
public sealed class EventingHealthOptions
{
    /// <summary>
    /// How long a lost broker connection, or a consumer the broker cancelled, may take to come back before the check
    /// reports Unhealthy; within it the check reports Degraded. Default 30 s: a broker restart or a node failover
    /// usually completes in that time, and a consumer that is still deaf after it needs an operator.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The age of the oldest outbox row still waiting to be sent above which the check reports Unhealthy (the relay
    /// is stuck, or the broker refuses the events). Default 5 min. Only checked when an outbox is configured.
    /// </summary>
    public TimeSpan OutboxMaxPendingAge { get; set; } = TimeSpan.FromMinutes(5);
}
