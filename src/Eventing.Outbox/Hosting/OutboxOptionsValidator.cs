using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Eventing.Outbox.Hosting;

internal sealed partial class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var failures = new List<string>();
        if (options.TableName is null || !TableName().IsMatch(options.TableName))
        {
            failures.Add($"OutboxOptions.TableName '{options.TableName}' must be a plain SQL identifier (letters, digits, '_', at most 50 characters), optionally prefixed by a schema: \"eventing_outbox\" or \"app.eventing_outbox\".");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add($"OutboxOptions.BatchSize is {options.BatchSize}; it must be between 1 and 10000.");
        }

        if (options.MaxSendsInFlight is < 1 or > 10_000)
        {
            failures.Add($"OutboxOptions.MaxSendsInFlight is {options.MaxSendsInFlight}; it must be between 1 and 10000.");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.PollInterval is {options.PollInterval}; it must be positive.");
        }

        if (options.GracePeriod < TimeSpan.Zero)
        {
            failures.Add($"OutboxOptions.GracePeriod is {options.GracePeriod}; it must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Identifiers are spliced into SQL (a table name cannot be a parameter), so only plain names pass; 50 characters
    // leaves room for the index names derived from it within PostgreSQL's 63.
    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_]{0,49}\\.)?[A-Za-z_][A-Za-z0-9_]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableName();
}
