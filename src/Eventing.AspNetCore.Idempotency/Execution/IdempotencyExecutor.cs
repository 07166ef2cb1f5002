using Eventing.AspNetCore.Idempotency.Diagnostics;
using Eventing.AspNetCore.Idempotency.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Idempotency.Execution;

/// <summary>
/// The idempotency of one request, shared by the minimal-API filter and the MVC filter: claim the key, run the
/// request with its body teed, then store the answer (or release the key when the request failed); or answer at once
/// with the stored response, 409, 410 or 422.
/// </summary>
internal sealed class IdempotencyExecutor(
    IHttpResponseStore store,
    InFlightRequests inFlight,
    IOptions<HttpIdempotencyOptions> options,
    ILogger<IdempotencyExecutor> logger)
{
    // A duplicate of a request that runs in another process looks at the store this often while it waits.
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(50);

    private readonly HttpIdempotencyOptions _options = options.Value;

    /// <summary>
    /// Runs <paramref name="run"/>, which writes the response and returns false if the request failed in a way that
    /// did not throw (an MVC exception that a filter recorded), once per key; or answers from the store.
    /// </summary>
    public async Task ExecuteAsync(HttpContext context, IdempotentEndpoint endpoint, Func<HttpContext, ValueTask<bool>> run)
    {
        var header = _options.HeaderName;
        var values = context.Request.Headers[header];
        var endpointName = EndpointName(context);
        if (values.Count == 0)
        {
            if (endpoint.Required)
            {
                await ProblemResponses.MissingKeyAsync(context, header).ConfigureAwait(false);
                return;
            }

            await RunWithoutKeyAsync(context, endpointName, run).ConfigureAwait(false);
            return;
        }

        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrWhiteSpace(key) || key.Length > _options.MaxKeyLength)
        {
            await ProblemResponses.InvalidKeyAsync(context, header, _options.MaxKeyLength).ConfigureAwait(false);
            return;
        }

        var aborted = context.RequestAborted;
        var scopeKey = RequestFingerprint.ScopeKey(_options.UserScope(context), endpointName, key);
        var fingerprint = await RequestFingerprint.ComputeAsync(context.Request, aborted).ConfigureAwait(false);
        var token = Guid.NewGuid().ToString("N");
        var wait = (endpoint.ConcurrentRequests ?? _options.ConcurrentRequests) == ConcurrentRequestHandling.Wait;
        var deadline = DateTime.UtcNow + _options.WaitTimeout;
        while (true)
        {
            var outcome = await store.TryClaimAsync(scopeKey, fingerprint, token, _options.ClaimLease, aborted).ConfigureAwait(false);
            if (outcome.State == ClaimState.Claimed)
            {
                break;
            }

            if (!string.Equals(outcome.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                await ProblemResponses.MismatchAsync(context, header).ConfigureAwait(false);
                return;
            }

            switch (outcome.State)
            {
                case ClaimState.Completed:
                    await ReplayAsync(context, StoredResponse.Decode(outcome.Response!), endpointName).ConfigureAwait(false);
                    return;
                case ClaimState.Invalidated:
                    await ProblemResponses.InvalidatedAsync(context, header).ConfigureAwait(false);
                    return;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (!wait || remaining <= TimeSpan.Zero)
            {
                await ProblemResponses.InProgressAsync(context, header, wait ? _options.WaitTimeout : TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                return;
            }

            await inFlight.WaitAsync(scopeKey, remaining < WaitPoll ? remaining : WaitPoll, aborted).ConfigureAwait(false);
        }

        inFlight.Started(scopeKey);
        try
        {
            await RunClaimedAsync(context, endpoint, endpointName, scopeKey, token, run).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Finished(scopeKey);
        }
    }

    private async Task RunClaimedAsync(HttpContext context, IdempotentEndpoint endpoint, string endpointName, string scopeKey, string token, Func<HttpContext, ValueTask<bool>> run)
    {
        var capture = ResponseCapture.Attach(context, _options.MaxStoredBodySize);
        var stored = false;
        try
        {
            var succeeded = await run(context).ConfigureAwait(false);
            var status = context.Response.StatusCode;
            if (!succeeded || status >= 500 || (status >= 400 && !_options.CacheClientErrors))
            {
                HttpIdempotencyLog.NotStored(logger, status, endpointName);
                return;
            }

            // Not cancellable from here on: the request's work is done, and recording it is what keeps a retry from
            // repeating it, even if the client hung up meanwhile.
            var resources = await InvalidateAsync(context, endpointName, scopeKey).ConfigureAwait(false);
            if (capture.Overflowed)
            {
                HttpIdempotencyLog.TooLarge(logger, endpointName, _options.MaxStoredBodySize);
                return;
            }

            var response = new StoredResponse { StatusCode = status, Headers = StoredHeaders(context.Response), Body = capture.Body }.Encode();
            stored = await store.CompleteAsync(scopeKey, token, response, resources, endpoint.Window ?? _options.Window, CancellationToken.None).ConfigureAwait(false);
            if (!stored)
            {
                // The lease ran out and another request took the key: its record wins; releasing would delete it.
                stored = true;
                HttpIdempotencyLog.ClaimLost(logger, endpointName, _options.ClaimLease);
            }
        }
        finally
        {
            capture.Detach(context);
            await capture.DisposeAsync().ConfigureAwait(false);
            if (!stored)
            {
                await store.ReleaseAsync(scopeKey, token, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task RunWithoutKeyAsync(HttpContext context, string endpointName, Func<HttpContext, ValueTask<bool>> run)
    {
        // No key, nothing to store; but the changes of this request still invalidate the answers of earlier keys.
        if (await run(context).ConfigureAwait(false) && context.Response.StatusCode < 400)
        {
            await InvalidateAsync(context, endpointName, string.Empty).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyCollection<string>> InvalidateAsync(HttpContext context, string endpointName, string scopeKey)
    {
        var resources = context.Features.Get<AffectedResources>()?.Snapshot() ?? [];
        if (resources.Count > 0 && context.Response.StatusCode < 400)
        {
            var invalidated = await store.InvalidateAsync(resources, scopeKey, CancellationToken.None).ConfigureAwait(false);
            if (invalidated > 0)
            {
                HttpIdempotencyLog.Invalidated(logger, endpointName, invalidated);
            }
        }

        return resources;
    }

    private async Task ReplayAsync(HttpContext context, StoredResponse response, string endpointName)
    {
        var http = context.Response;
        http.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers.Append(name, value);
        }

        http.Headers[_options.ReplayHeaderName] = "true";
        http.ContentLength = response.Body.Length;
        await http.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        HttpIdempotencyLog.Replayed(logger, response.StatusCode, endpointName);
    }

    private List<KeyValuePair<string, string>> StoredHeaders(HttpResponse response)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (response.ContentType is { } contentType)
        {
            headers.Add(new("Content-Type", contentType));
        }

        foreach (var name in _options.StoredHeaders)
        {
            foreach (var value in response.Headers[name])
            {
                if (value is not null)
                {
                    headers.Add(new(name, value));
                }
            }
        }

        return headers;
    }

    // The route pattern, not the path: keys are scoped per endpoint, and the path is part of the fingerprint.
    private static string EndpointName(HttpContext context) =>
        string.Concat(context.Request.Method, " ", context.GetEndpoint() is RouteEndpoint route ? route.RoutePattern.RawText : context.Request.Path.Value);
}
