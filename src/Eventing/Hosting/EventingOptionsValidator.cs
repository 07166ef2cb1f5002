using Microsoft.Extensions.Options;

namespace Eventing.Hosting;

internal sealed class EventingOptionsValidator : IValidateOptions<EventingOptions>
{
    public ValidateOptionsResult Validate(string? name, EventingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Source))
        {
            failures.Add("EventingOptions.Source must be a non-empty URI reference, e.g. \"/eventing/orders-api\".");
        }

        if (string.IsNullOrWhiteSpace(options.ProcessId) || options.ProcessId.AsSpan().IndexOfAny("*#/: ") >= 0)
        {
            failures.Add($"EventingOptions.ProcessId '{options.ProcessId}' must be non-empty and free of '*', '#', '/', ':' and spaces.");
        }

        if (options.MaxEnvelopeBytes < 1024)
        {
            failures.Add($"EventingOptions.MaxEnvelopeBytes is {options.MaxEnvelopeBytes}; it must be at least 1024.");
        }

        if (options.ShutdownTimeout < TimeSpan.Zero)
        {
            failures.Add($"EventingOptions.ShutdownTimeout is {options.ShutdownTimeout}; it must not be negative.");
        }

        if (options.DefaultConcurrency < 1)
        {
            failures.Add($"EventingOptions.DefaultConcurrency is {options.DefaultConcurrency}; it must be at least 1.");
        }

        if (options.DefaultRetry is null || options.DefaultRetry.MaxAttempts < 1)
        {
            failures.Add("EventingOptions.DefaultRetry must allow at least 1 attempt.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
