using Eventing.Providers;
using Microsoft.Extensions.Options;

namespace Eventing.RabbitMq.Hosting;

/// <summary>
/// Checks <see cref="RabbitMqProviderOptions"/> when the host starts; each failure names the option. With
/// <paramref name="eventing"/> (as DI builds it) the limits are also checked against the bus's.
/// </summary>
internal sealed class RabbitMqProviderOptionsValidator(IOptions<EventingOptions>? eventing = null) : IValidateOptions<RabbitMqProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqProviderOptions options)
    {
        var failures = new List<string>();
        if (options.MaxInboundMessageBytes is < 1024 or > RabbitMqProviderOptions.MaxInboundMessageBytesLimit)
        {
            failures.Add($"RabbitMqProviderOptions.MaxInboundMessageBytes is {options.MaxInboundMessageBytes}; it must be between 1024 and {RabbitMqProviderOptions.MaxInboundMessageBytesLimit} (128 MiB, RabbitMQ.Client's limit).");
        }
        else if (eventing?.Value.MaxEnvelopeBytes is { } maxEnvelopeBytes && maxEnvelopeBytes > options.MaxInboundMessageBytes)
        {
            // A message between the two limits would fail the whole connection instead of being dead-lettered.
            failures.Add($"EventingOptions.MaxEnvelopeBytes ({maxEnvelopeBytes}) is larger than RabbitMqProviderOptions.MaxInboundMessageBytes ({options.MaxInboundMessageBytes}): RabbitMQ.Client drops the connection on a message above its limit, so a too-large message could not be dead-lettered. Lower EventingOptions.MaxEnvelopeBytes or raise RabbitMqProviderOptions.MaxInboundMessageBytes (at most {RabbitMqProviderOptions.MaxInboundMessageBytesLimit}).");
        }

        if (options.Uri is null || !options.Uri.IsAbsoluteUri || (options.Uri.Scheme != "amqp" && options.Uri.Scheme != "amqps"))
        {
            // The value itself is never echoed: without scheme:// (guest:secret@host:5672) Uri takes the user for the
            // scheme and the password for the path, so no masking could be trusted to find it.
            failures.Add($"RabbitMqProviderOptions.Uri is {(options.Uri is null ? "null" : "not an absolute amqp:// or amqps:// URI (its value is not shown: it may hold a password)")}; it must be an absolute amqp:// or amqps:// URI, e.g. amqp://guest:guest@127.0.0.1:5672/.");
        }
        else
        {
            EndpointList.Validate(failures, nameof(RabbitMqProviderOptions), options.Uri, options.Endpoints, options.EndpointOrder, compareVirtualHost: true);
        }

        if (string.IsNullOrWhiteSpace(options.ExchangeName))
        {
            failures.Add("RabbitMqProviderOptions.ExchangeName must not be empty; the default is \"amq.topic\".");
        }

        if (!Enum.IsDefined(options.QueueType))
        {
            failures.Add($"RabbitMqProviderOptions.QueueType is {options.QueueType}; it must be Classic or Quorum.");
        }

        foreach (var (option, value) in new[] { ("SendTimeout", options.SendTimeout), ("ConnectTimeout", options.ConnectTimeout), ("RecoveryInterval", options.RecoveryInterval) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"RabbitMqProviderOptions.{option} is {value}; it must be positive.");
            }
        }

        if (options.Heartbeat < TimeSpan.FromSeconds(1) || options.Heartbeat > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            failures.Add($"RabbitMqProviderOptions.Heartbeat is {options.Heartbeat}; it must be between 1 s and {ushort.MaxValue} s (5 to 20 s suit most networks).");
        }

        if (options.PrefetchPerConcurrency is < 1 or > ushort.MaxValue)
        {
            failures.Add($"RabbitMqProviderOptions.PrefetchPerConcurrency is {options.PrefetchPerConcurrency}; it must be between 1 and 65535.");
        }

        if (options.MaxOutstandingConfirms < 1)
        {
            failures.Add($"RabbitMqProviderOptions.MaxOutstandingConfirms is {options.MaxOutstandingConfirms}; it must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
