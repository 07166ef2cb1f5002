using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Idempotency.Hosting;

/// <summary>Checks <see cref="HttpIdempotencyOptions"/> when the host starts.</summary>
internal sealed class HttpIdempotencyOptionsValidator : IValidateOptions<HttpIdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpIdempotencyOptions options)
    {
        var failures = new List<string>();
        CheckHeader(failures, nameof(options.HeaderName), options.HeaderName, "Idempotency-Key");
        CheckHeader(failures, nameof(options.ReplayHeaderName), options.ReplayHeaderName, "Idempotent-Replayed");
        Positive(failures, nameof(options.Window), options.Window, "24 hours");
        Positive(failures, nameof(options.CleanupInterval), options.CleanupInterval, "5 minutes");
        if (options.CleanupInterval > TimeSpan.FromDays(49))
        {
            // PeriodicTimer's limit (uint.MaxValue - 1 ms).
            failures.Add($"HttpIdempotencyOptions.CleanupInterval is {options.CleanupInterval}; it must be at most 49 days (default 5 minutes).");
        }
        if (options.ClaimLease < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"HttpIdempotencyOptions.ClaimLease is {options.ClaimLease}; it must be at least 100 ms and longer than the slowest request (default 1 minute).");
        }

        if (options.WaitTimeout < TimeSpan.Zero)
        {
            failures.Add($"HttpIdempotencyOptions.WaitTimeout is {options.WaitTimeout}; it must not be negative (default 10 s).");
        }

        if (!Enum.IsDefined(options.ConcurrentRequests))
        {
            failures.Add($"HttpIdempotencyOptions.ConcurrentRequests is {options.ConcurrentRequests}; use Reject or Wait.");
        }

        if (options.MaxKeyLength is < 1 or > 4096)
        {
            failures.Add($"HttpIdempotencyOptions.MaxKeyLength is {options.MaxKeyLength}; it must be between 1 and 4096 (default 255).");
        }

        if (options.MaxStoredBodySize < 0)
        {
            failures.Add($"HttpIdempotencyOptions.MaxStoredBodySize is {options.MaxStoredBodySize}; it must not be negative (default 1 MiB).");
        }

        if (options.UserScope is null)
        {
            failures.Add("HttpIdempotencyOptions.UserScope is null; give a function of the request, e.g. context => context.User.Identity?.Name ?? \"\".");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckHeader(List<string> failures, string option, string value, string example)
    {
        if (string.IsNullOrEmpty(value) || !IsToken(value))
        {
            failures.Add($"HttpIdempotencyOptions.{option} is \"{value}\"; it must be an HTTP header name, e.g. {example}.");
        }
    }

    // RFC 9110 section 5.6.2: a field name is a token.
    private static bool IsToken(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void Positive(List<string> failures, string option, TimeSpan value, string defaultValue)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"HttpIdempotencyOptions.{option} is {value}; it must be positive (default {defaultValue}).");
        }
    }
}
