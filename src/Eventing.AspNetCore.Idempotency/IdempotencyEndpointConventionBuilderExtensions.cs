using Eventing.AspNetCore.Idempotency;
using Eventing.AspNetCore.Idempotency.Filters;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Idempotency keys and request locks on minimal-API endpoints.</summary>
public static class IdempotencyEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Runs the endpoint once per <c>Idempotency-Key</c> (scoped by endpoint and user): a retry gets the stored
    /// response byte for byte with <c>Idempotent-Replayed: true</c>; the same key with another request gets 422; a
    /// duplicate while the first runs gets 409 or waits (<see cref="HttpIdempotencyOptions.ConcurrentRequests"/>); a
    /// missing key gets 400. 5xx and exceptions are not stored, so their retry runs again.
    /// </summary>
    /// <example><code>app.MapPost("/orders", PlaceOrder).WithIdempotency(endpoint =&gt; endpoint.Window = TimeSpan.FromHours(1));</code></example>
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder, Action<IdempotentEndpoint>? configure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoint = new IdempotentEndpoint();
        configure?.Invoke(endpoint);
        if (endpoint.Window is { } window && window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), window, "IdempotentEndpoint.Window must be positive, e.g. TimeSpan.FromHours(1).");
        }

        return builder.AddEndpointFilter(new IdempotencyEndpointFilter(endpoint));
    }

    /// <summary>
    /// Runs one request per key at a time: the key comes from <paramref name="key"/> (requests for which it returns
    /// <see langword="null"/> are not locked); a request that finds the key taken waits up to <paramref name="wait"/>
    /// (default: not at all) and then gets 409 with <c>Retry-After</c>. The lock holds across processes with the Redis
    /// store, and for at most <paramref name="lease"/> if its holder dies.
    /// </summary>
    /// <example><code>app.MapPost("/accounts/{id}/withdraw", Withdraw).WithRequestLock(http =&gt; (string?)http.Request.RouteValues["id"], TimeSpan.FromSeconds(10));</code></example>
    public static TBuilder WithRequestLock<TBuilder>(this TBuilder builder, Func<HttpContext, string?> key, TimeSpan lease, TimeSpan? wait = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(key);
        if (lease < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentOutOfRangeException(nameof(lease), lease, "The request lock's lease must be at least 100 ms and longer than the slowest request, e.g. TimeSpan.FromSeconds(10).");
        }

        if (wait is { } value && value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), value, "The request lock's wait must not be negative; TimeSpan.Zero answers 409 at once.");
        }

        return builder.AddEndpointFilter(new RequestLockFilter(key, lease, wait ?? TimeSpan.Zero));
    }
}
