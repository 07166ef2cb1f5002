using Eventing.Hosting;
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
        var failures = new OptionFailures(nameof(RabbitMqProviderOptions));
        if (options.MaxInboundMessageBytes is < 1024 or > RabbitMqProviderOptions.MaxInboundMessageBytesLimit)
        {
            failures.Between(nameof(options.MaxInboundMessageBytes), options.MaxInboundMessageBytes, 1024, RabbitMqProviderOptions.MaxInboundMessageBytesLimit, " (128 MiB, RabbitMQ.Client's limit)");
        }
        else if (eventing?.Value.MaxEnvelopeBytes is { } maxEnvelopeBytes && maxEnvelopeBytes > options.MaxInboundMessageBytes)
        {
            // A message between the two limits would fail the whole connection instead of being dead-lettered.
            failures.Add($"EventingOptions.MaxEnvelopeBytes ({maxEnvelopeBytes}) is larger than RabbitMqProviderOptions.MaxInboundMessageBytes ({options.MaxInboundMessageBytes}): RabbitMQ.Client drops the connection on a message above its limit, so a too-large message could not be dead-lettered. Lower EventingOptions.MaxEnvelopeBytes or raise RabbitMqProviderOptions.MaxInboundMessageBytes (at most {RabbitMqProviderOptions.MaxInboundMessageBytesLimit}).");
        }

        if (failures.AbsoluteUri(nameof(options.Uri), options.Uri, "amqp://guest:guest@127.0.0.1:5672/", "amqp", "amqps"))
        {
            EndpointList.Validate(failures.All, nameof(RabbitMqProviderOptions), options.Uri, options.Endpoints, options.EndpointOrder, compareVirtualHost: true);
        }

        if (string.IsNullOrWhiteSpace(options.ExchangeName))
        {
            failures.Add("RabbitMqProviderOptions.ExchangeName must not be empty; the default is \"amq.topic\".");
        }

        failures.Defined(nameof(options.QueueType), options.QueueType);
        failures.Positive(nameof(options.SendTimeout), options.SendTimeout);
        failures.Positive(nameof(options.ConnectTimeout), options.ConnectTimeout);
        failures.Positive(nameof(options.RecoveryInterval), options.RecoveryInterval);
        if (options.Heartbeat < TimeSpan.FromSeconds(1) || options.Heartbeat > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            failures.Add($"RabbitMqProviderOptions.Heartbeat is {options.Heartbeat}; it must be between 1 s and {ushort.MaxValue} s (5 to 20 s suit most networks).");
        }

        failures.Between(nameof(options.PrefetchPerConcurrency), options.PrefetchPerConcurrency, 1, ushort.MaxValue);
        failures.Between(nameof(options.MaxOutstandingConfirms), options.MaxOutstandingConfirms, 1, int.MaxValue);
        return failures.Result();
    }
}
