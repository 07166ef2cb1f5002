namespace Eventing.AspNetCore.Idempotency;

/// <summary>Settings of one idempotent endpoint, over <see cref="HttpIdempotencyOptions"/>.</summary>
public sealed class IdempotentEndpoint
{
    /// <summary>Answers a request without the key with 400. Default true; false runs it without idempotency.</summary>
    public bool Required { get; set; } = true;

    /// <summary>How long this endpoint's responses are replayed; <see langword="null"/> for <see cref="HttpIdempotencyOptions.Window"/>.</summary>
    public TimeSpan? Window { get; set; }

    /// <summary>What a duplicate gets while the first runs; <see langword="null"/> for <see cref="HttpIdempotencyOptions.ConcurrentRequests"/>.</summary>
    public ConcurrentRequestHandling? ConcurrentRequests { get; set; }
}
