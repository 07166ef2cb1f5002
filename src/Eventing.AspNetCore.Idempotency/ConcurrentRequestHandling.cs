namespace Eventing.AspNetCore.Idempotency;

/// <summary>What a request gets while another request with the same idempotency key is still running.</summary>
public enum ConcurrentRequestHandling
{
    /// <summary>409 Conflict with a problem-details body and <c>Retry-After</c>, at once.</summary>
    Reject,

    /// <summary>Waits up to <see cref="HttpIdempotencyOptions.WaitTimeout"/> for the first request and replays its answer; 409 after that.</summary>
    Wait,
}
