using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Atomic;

/// <summary>Checks <see cref="AtomicOptions"/> when the host starts.</summary>
internal sealed class AtomicOptionsValidator : IValidateOptions<AtomicOptions>
{
    public ValidateOptionsResult Validate(string? name, AtomicOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAttempts < 1)
        {
            failures.Add($"AtomicOptions.MaxAttempts is {options.MaxAttempts}; it must be at least 1 (default 50).");
        }

        if (options.FirstRetryDelay < TimeSpan.Zero)
        {
            failures.Add($"AtomicOptions.FirstRetryDelay is {options.FirstRetryDelay}; it must not be negative (default 5 ms).");
        }

        if (options.MaxRetryDelay < options.FirstRetryDelay)
        {
            failures.Add($"AtomicOptions.MaxRetryDelay is {options.MaxRetryDelay}; it must be at least FirstRetryDelay ({options.FirstRetryDelay}) (default 500 ms).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
