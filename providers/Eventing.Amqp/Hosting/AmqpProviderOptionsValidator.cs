using Eventing.Providers;
using Microsoft.Extensions.Options;

namespace Eventing.Amqp.Hosting;

/// <summary>Checks <see cref="AmqpProviderOptions"/> when the host starts; each failure names the option.</summary>
internal sealed class AmqpProviderOptionsValidator : IValidateOptions<AmqpProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, AmqpProviderOptions options)
    {
        var failures = new List<string>();
        if (options.Uri is null || !options.Uri.IsAbsoluteUri || (options.Uri.Scheme != "amqp" && options.Uri.Scheme != "amqps"))
        {
            // The value itself is never echoed: without scheme:// (guest:secret@host:5672) Uri takes the user for the
            // scheme and the password for the path, and a relative URI is the raw text, so no masking could be trusted.
            failures.Add($"AmqpProviderOptions.Uri is {(options.Uri is null ? "null" : "not an absolute amqp:// or amqps:// URI (its value is not shown: it may hold a password)")}; it must be an absolute amqp:// or amqps:// URI, e.g. amqp://guest:guest@127.0.0.1:5672.");
        }
        else
        {
            EndpointList.Validate(failures, nameof(AmqpProviderOptions), options.Uri, options.Endpoints, options.EndpointOrder, compareVirtualHost: false);
        }


        if (options.Topology is null)
        {
            failures.Add("AmqpProviderOptions.Topology must not be null; use AmqpTopology.RabbitMq, AmqpTopology.Artemis or your own AmqpTopology.");
        }
        else if (options.Topology.RequiresProvisioning && options.Provisioner is null)
        {
            failures.Add($"AmqpProviderOptions.Provisioner is not set, but the {options.Topology.Name} topology needs one. {options.Topology.ProvisioningHint}");
        }

        Positive(failures, nameof(options.SendTimeout), options.SendTimeout);
        Positive(failures, nameof(options.ConnectTimeout), options.ConnectTimeout);
        Positive(failures, nameof(options.RecoveryInterval), options.RecoveryInterval);
        Positive(failures, nameof(options.IdleTimeout), options.IdleTimeout);
        if (options.MaxRecoveryInterval < options.RecoveryInterval)
        {
            failures.Add($"AmqpProviderOptions.MaxRecoveryInterval is {options.MaxRecoveryInterval}; it must be at least RecoveryInterval ({options.RecoveryInterval}).");
        }

        if (options.CreditPerConcurrency is < 1 or > 10_000)
        {
            failures.Add($"AmqpProviderOptions.CreditPerConcurrency is {options.CreditPerConcurrency}; it must be between 1 and 10000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string option, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"AmqpProviderOptions.{option} is {value}; it must be positive.");
        }
    }
}
