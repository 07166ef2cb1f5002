using Microsoft.Extensions.Options;

namespace Eventing.Idempotency.Hosting;

/// <summary>Checks <see cref="IdempotencyOptions"/> when the host starts.</summary>
internal sealed class IdempotencyOptionsValidator : IValidateOptions<IdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, IdempotencyOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultWindow <= TimeSpan.Zero)
        {
            failures.Add($"IdempotencyOptions.DefaultWindow is {options.DefaultWindow}; it must be positive (default 7 days).");
        }

        if (options.CleanupInterval <= TimeSpan.Zero)
        {
            failures.Add($"IdempotencyOptions.CleanupInterval is {options.CleanupInterval}; it must be positive (default 5 minutes).");
        }

        if (options.LockLease < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"IdempotencyOptions.LockLease is {options.LockLease}; it must be at least 100 ms and longer than the slowest handler (default 1 minute).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
