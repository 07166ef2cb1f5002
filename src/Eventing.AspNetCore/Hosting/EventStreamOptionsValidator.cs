using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Hosting;

/// <summary>Checks every stream's <see cref="EventStreamOptions"/> when the host starts.</summary>
internal sealed class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, EventStreamOptions options)
    {
        var stream = string.IsNullOrEmpty(name) ? "(all streams)" : $"of stream \"{name}\"";
        var failures = new List<string>();
        if (options.BufferCapacity < 1)
        {
            failures.Add($"EventStreamOptions.BufferCapacity {stream} is {options.BufferCapacity}; it must be at least 1 (default 1,024).");
        }

        if (options.ReplayCapacity < 0)
        {
            failures.Add($"EventStreamOptions.ReplayCapacity {stream} is {options.ReplayCapacity}; it must be 0 (no resume) or more (default 1,024).");
        }

        if (!Enum.IsDefined(options.SlowClientPolicy))
        {
            failures.Add($"EventStreamOptions.SlowClientPolicy {stream} is {(int)options.SlowClientPolicy}; use DropOldest or Disconnect.");
        }

        if (options.SlowClientCloseStatus is not (WebSocketCloseStatus.PolicyViolation or EventStreamOptions.TryAgainLater))
        {
            failures.Add($"EventStreamOptions.SlowClientCloseStatus {stream} is {(int)options.SlowClientCloseStatus}; use 1008 (PolicyViolation) or 1013 (EventStreamOptions.TryAgainLater, the default).");
        }

        CheckPositive(failures, stream, "PingInterval", options.PingInterval, "15 s");
        CheckPositive(failures, stream, "PingTimeout", options.PingTimeout, "15 s");
        CheckPositive(failures, stream, "CloseTimeout", options.CloseTimeout, "5 s");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPositive(List<string> failures, string stream, string option, TimeSpan value, string defaultValue)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"EventStreamOptions.{option} {stream} is {value}; it must be positive (default {defaultValue}).");
        }
    }
}
