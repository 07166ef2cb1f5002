using Eventing.Amqp;
using Eventing.Amqp.Topology;
using Eventing.Cli.Configuration;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventing.Cli.Providers;

/// <summary>
/// Builds a provider the way an application does — <c>AddEventing(e =&gt; e.UseRabbitMq(...))</c> — and takes the
/// <see cref="IProvider"/> out of the container, so the CLI runs exactly the provider code applications run and
/// needs no event types.
/// </summary>
internal static class ProviderFactory
{
    /// <summary>
    /// The provider of <paramref name="settings"/>, not started. Without <paramref name="brokerRequired"/> a missing
    /// broker is fine and the provider keeps its default URI: <c>eventing topology</c> never connects then.
    /// </summary>
    public static OwnedProvider Create(ConnectionSettings settings, bool brokerRequired = true)
    {
        if (brokerRequired)
        {
            settings.RequireBroker();
        }

        var services = new ServiceCollection();
        services.AddEventing(events => Use(events, settings));
        var container = services.BuildServiceProvider();
        try
        {
            return new OwnedProvider(container, container.GetRequiredService<IProvider>());
        }
        catch (Exception exception) when (exception is OptionsValidationException or ArgumentException)
        {
            container.Dispose();
            throw new UsageException(exception.Message, exception);
        }
    }

    /// <summary>Adds the provider of <paramref name="settings"/> to an application-style configuration.</summary>
    public static EventingBuilder Use(EventingBuilder events, ConnectionSettings settings)
    {
        var broker = settings.Broker;
        return settings.Provider switch
        {
            ProviderKind.RabbitMq => events.UseRabbitMq(rabbit =>
            {
                rabbit.Uri = broker ?? rabbit.Uri;
                rabbit.ExchangeName = settings.Exchange;
                rabbit.ClientProvidedName = "eventing-cli";
            }),
            ProviderKind.Stomp => events.UseStomp(stomp =>
            {
                stomp.Uri = broker ?? stomp.Uri;
                stomp.Topology = settings.StompTopology;
            }),
            _ => events.UseAmqp(amqp =>
            {
                amqp.Uri = broker ?? amqp.Uri;
                if (settings.AmqpTopology == "artemis")
                {
                    amqp.Topology = AmqpTopology.Artemis;
                }
                else
                {
                    amqp.UseRabbitMqProvisioning(rabbit => rabbit.ExchangeName = settings.Exchange);
                }
            }),
        };
    }
}
