using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>Settings of HTTP idempotency keys; validated when the host starts. The defaults suit production.</summary>
public sealed class HttpIdempotencyOptions
{
    /// <summary>The request header that carries the key. Default <c>Idempotency-Key</c> (IETF httpapi draft).</summary>
    public string HeaderName { get; set; } = "Idempotency-Key";

    /// <summary>The response header that marks a replayed answer, with the value <c>true</c>. Default <c>Idempotent-Replayed</c>.</summary>
    public string ReplayHeaderName { get; set; } = "Idempotent-Replayed";

    /// <summary>How long a stored response is replayed to retries of its key. Default 24 hours.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request holds its key while it runs. If its process dies before the response is stored, retries get
    /// 409 until this passes, then the request runs again. Longer than the slowest request. Default 1 minute.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>What a request gets while another one with the same key runs. Default <see cref="ConcurrentRequestHandling.Reject"/> (409).</summary>
    public ConcurrentRequestHandling ConcurrentRequests { get; set; } = ConcurrentRequestHandling.Reject;

    /// <summary>How long a duplicate waits for the first request in <see cref="ConcurrentRequestHandling.Wait"/> mode before it gets 409. Default 10 s.</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Stores 4xx answers too, so a retry of a rejected request is rejected the same way. Default true; 5xx and exceptions are never stored.</summary>
    public bool CacheClientErrors { get; set; } = true;

    /// <summary>The response headers stored and replayed besides <c>Content-Type</c>. Default <c>Location</c>, <c>ETag</c>, <c>Last-Modified</c>, <c>Content-Location</c>.</summary>
    public IList<string> StoredHeaders { get; } = ["Location", "ETag", "Last-Modified", "Content-Location"];

    /// <summary>The longest key accepted; longer keys get 400. Default 255.</summary>
    public int MaxKeyLength { get; set; } = 255;

    /// <summary>The largest response body stored; a larger answer is sent but not stored, so its retry runs again. Default 1 MiB.</summary>
    public int MaxStoredBodySize { get; set; } = 1024 * 1024;

    /// <summary>How often expired keys are deleted from a SQL store (Redis expires them itself). Default 5 minutes.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The user part of a key's scope, so two users' equal keys never meet. Default: the <c>NameIdentifier</c> claim,
    /// else the identity name, else empty (anonymous).
    /// </summary>
    public Func<HttpContext, string> UserScope { get; set; } = DefaultUserScope;

    private static string DefaultUserScope(HttpContext context) =>
        context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? context.User.Identity?.Name ?? string.Empty;
}
