namespace Eventing.Idempotency.Redis;

/// <summary>How the Redis store connects and names its keys.</summary>
public sealed class RedisIdempotencyOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>. Ignored when a connection is passed in.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>The prefix of every key and channel, so several apps can share one Redis. Default <c>eventing:</c>.</summary>
    public string KeyPrefix { get; set; } = "eventing:";

    /// <summary>
    /// How long a message stays claimed by a consumer that is handling it. A duplicate arriving meanwhile is retried;
    /// if the consumer dies, the claim expires after this and the message runs again. Longer than the slowest
    /// handler. Default 1 minute.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);
}
