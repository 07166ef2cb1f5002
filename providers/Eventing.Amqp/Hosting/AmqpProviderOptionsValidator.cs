using Eventing.Hosting;
using Eventing.Providers;
using Microsoft.Extensions.Options;

namespace Eventing.Amqp.Hosting;

/// <summary>Checks <see cref="AmqpProviderOptions"/> when the host starts; each failure names the option.</summary>
internal sealed class AmqpProviderOptionsValidator : IValidateOptions<AmqpProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, AmqpProviderOptions options)
    {
        var failures = new OptionFailures(nameof(AmqpProviderOptions));
        if (failures.AbsoluteUri(nameof(options.Uri), options.Uri, "amqp://guest:guest@127.0.0.1:5672", "amqp", "amqps"))
        {
            EndpointList.Validate(failures.All, nameof(AmqpProviderOptions), options.Uri, options.Endpoints, options.EndpointOrder, compareVirtualHost: false);
        }

        if (options.Topology is null)
        {
            failures.Add("AmqpProviderOptions.Topology must not be null; use AmqpTopology.RabbitMq, AmqpTopology.Artemis or your own AmqpTopology.");
        }
        else if (options.Topology.RequiresProvisioning && options.Provisioner is null)
        {
            failures.Add($"AmqpProviderOptions.Provisioner is not set, but the {options.Topology.Name} topology needs one. {options.Topology.ProvisioningHint}");
        }

        failures.Positive(nameof(options.SendTimeout), options.SendTimeout);
        failures.Positive(nameof(options.ConnectTimeout), options.ConnectTimeout);
        failures.Positive(nameof(options.RecoveryInterval), options.RecoveryInterval);
        failures.Positive(nameof(options.IdleTimeout), options.IdleTimeout);
        failures.NotShorter(nameof(options.MaxRecoveryInterval), options.MaxRecoveryInterval, nameof(options.RecoveryInterval), options.RecoveryInterval);
        failures.Between(nameof(options.CreditPerConcurrency), options.CreditPerConcurrency, 1, 10_000);
        return failures.Result();
    }
}
