using Eventing.AspNetCore.Idempotency.Filters;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Eventing.AspNetCore.Idempotency;

/// <summary>
/// Makes an MVC action (or every action of a controller) idempotent by the <c>Idempotency-Key</c> header: a retry
/// gets the stored response instead of running the action again. Needs <c>services.AddHttpIdempotency(...)</c>.
/// </summary>
/// <example>
/// <code>
/// [HttpPost, Idempotent]
/// public async Task&lt;IActionResult&gt; Place(PlaceOrder command, CancellationToken ct) { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true)]
public sealed class IdempotentAttribute : Attribute, IFilterFactory
{
    /// <summary>Answers a request without the key with 400. Default true.</summary>
    public bool Required { get; set; } = true;

    /// <summary>How long responses are replayed, in seconds; 0 means <see cref="HttpIdempotencyOptions.Window"/>.</summary>
    public int WindowSeconds { get; set; }

    /// <summary>Waits for a running duplicate instead of answering 409 (see <see cref="ConcurrentRequestHandling.Wait"/>); default: the global setting.</summary>
    public bool WaitForConcurrent { get; set; }

    /// <inheritdoc />
    public bool IsReusable => true;

    /// <inheritdoc />
    public IFilterMetadata CreateInstance(IServiceProvider serviceProvider) => new IdempotencyResourceFilter(new IdempotentEndpoint
    {
        Required = Required,
        Window = WindowSeconds > 0 ? TimeSpan.FromSeconds(WindowSeconds) : null,
        ConcurrentRequests = WaitForConcurrent ? ConcurrentRequestHandling.Wait : null,
    });
}
