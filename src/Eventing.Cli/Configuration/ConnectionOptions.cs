using System.CommandLine;
using Eventing.Cli.Providers;
using Eventing.Stomp;
using Microsoft.Extensions.Configuration;

namespace Eventing.Cli.Configuration;

/// <summary>
/// The connection flags every broker command shares. Each setting comes from its flag, else from an environment
/// variable (<c>EVENTING_PROVIDER</c>, <c>EVENTING_BROKER</c>, …), else from the settings file (section
/// <c>Eventing</c> of <c>--config FILE</c>, <c>EVENTING_CONFIG</c>, or <c>appsettings.json</c> in the current directory).
/// </summary>
internal sealed class ConnectionOptions
{
    public Option<string?> Provider { get; } = new("--provider", "-p")
    {
        Description = "rabbitmq, stomp or amqp. Env EVENTING_PROVIDER, setting Eventing:Provider.",
        HelpName = "rabbitmq|stomp|amqp",
    };

    public Option<string?> Broker { get; } = new("--broker", "-b")
    {
        Description = "The broker URI, e.g. amqp://guest:guest@127.0.0.1:5672/ or stomp://admin:admin@127.0.0.1:61613. Env EVENTING_BROKER, setting Eventing:Broker.",
        HelpName = "URI",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "A JSON settings file with a section \"Eventing\" (Provider, Broker, StompTopology, AmqpTopology, Exchange). Env EVENTING_CONFIG; default ./appsettings.json when it exists.",
        HelpName = "FILE",
    };

    public Option<string?> StompTopology { get; } = new("--stomp-topology")
    {
        Description = "STOMP destination mapping: auto (from the broker's server header), activemq, rabbitmq or artemis. Env EVENTING_STOMP_TOPOLOGY. Default auto.",
        HelpName = "auto|activemq|rabbitmq|artemis",
    };

    public Option<string?> AmqpTopology { get; } = new("--amqp-topology")
    {
        Description = "AMQP 1.0 broker: rabbitmq (3.x, queues declared over 0-9-1 on the same host) or artemis. Env EVENTING_AMQP_TOPOLOGY. Default rabbitmq.",
        HelpName = "rabbitmq|artemis",
    };

    public Option<string?> Exchange { get; } = new("--exchange")
    {
        Description = "RabbitMQ topic exchange (rabbitmq and amqp on RabbitMQ). Env EVENTING_EXCHANGE. Default amq.topic.",
        HelpName = "NAME",
    };

    public void AddTo(Command command, bool withBroker = true)
    {
        command.Add(Provider);
        if (withBroker)
        {
            command.Add(Broker);
        }

        command.Add(Config);
        command.Add(StompTopology);
        command.Add(AmqpTopology);
        command.Add(Exchange);
    }

    /// <summary>The settings file of <c>--config</c>, <c>EVENTING_CONFIG</c> or <c>./appsettings.json</c>, if any.</summary>
    public IConfigurationRoot? LoadSettings(ParseResult result) => LoadFile(Pick(result.GetValue(Config), "EVENTING_CONFIG", null, null));

    public ConnectionSettings Resolve(ParseResult result)
    {
        var settings = LoadSettings(result);

        var providerName = Pick(result.GetValue(Provider), "EVENTING_PROVIDER", settings, "Provider") ?? throw new UsageException(
            "No provider given. Pass --provider rabbitmq|stomp|amqp, or set EVENTING_PROVIDER, or Eventing:Provider in the settings file.");
        var provider = providerName.Trim().ToLowerInvariant() switch
        {
            "rabbitmq" or "rabbit" => ProviderKind.RabbitMq,
            "stomp" => ProviderKind.Stomp,
            "amqp" or "amqp10" or "amqp1" => ProviderKind.Amqp,
            _ => throw new UsageException($"Unknown provider '{providerName}'. Use rabbitmq, stomp or amqp."),
        };

        Uri? broker = null;
        var brokerText = Pick(result.GetValue(Broker), "EVENTING_BROKER", settings, "Broker");
        if (brokerText is not null)
        {
            if (!Uri.TryCreate(brokerText, UriKind.Absolute, out broker) || string.IsNullOrEmpty(broker.Host))
            {
                throw new UsageException($"'{Mask(brokerText)}' is not a broker URI. Use scheme://user:password@host:port, e.g. amqp://guest:guest@127.0.0.1:5672/.");
            }

            var expected = provider switch
            {
                ProviderKind.Stomp => new[] { "stomp", "stomp+ssl", "stomp+tls" },
                _ => ["amqp", "amqps"],
            };
            if (Array.IndexOf(expected, broker.Scheme) < 0)
            {
                throw new UsageException(
                    $"The {providerName} provider cannot use '{Mask(brokerText)}': expected a URI starting with {string.Join(" or ", expected.Select(scheme => scheme + "://"))}.");
            }
        }

        var stompText = Pick(result.GetValue(StompTopology), "EVENTING_STOMP_TOPOLOGY", settings, "StompTopology") ?? "auto";
        var stomp = stompText.Trim().ToLowerInvariant() switch
        {
            "auto" => StompTopologyKind.Auto,
            "activemq" => StompTopologyKind.ActiveMq,
            "rabbitmq" => StompTopologyKind.RabbitMq,
            "artemis" => StompTopologyKind.Artemis,
            _ => throw new UsageException($"Unknown STOMP topology '{stompText}'. Use auto, activemq, rabbitmq or artemis."),
        };

        var amqpText = (Pick(result.GetValue(AmqpTopology), "EVENTING_AMQP_TOPOLOGY", settings, "AmqpTopology") ?? "rabbitmq").Trim().ToLowerInvariant();
        if (amqpText is not ("rabbitmq" or "artemis"))
        {
            throw new UsageException($"Unknown AMQP topology '{amqpText}'. Use rabbitmq or artemis.");
        }

        var exchange = Pick(result.GetValue(Exchange), "EVENTING_EXCHANGE", settings, "Exchange") ?? "amq.topic";
        return new ConnectionSettings(provider, broker, stomp, amqpText, exchange);
    }

    /// <summary>The flag, else the environment variable, else <c>Eventing:{key}</c> of the settings file.</summary>
    public static string? Pick(string? flag, string variable, IConfiguration? settings, string? key)
    {
        if (!string.IsNullOrWhiteSpace(flag))
        {
            return flag;
        }

        var environment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(environment))
        {
            return environment;
        }

        var setting = key is null ? null : settings?["Eventing:" + key];
        return string.IsNullOrWhiteSpace(setting) ? null : setting;
    }

    private static IConfigurationRoot? LoadFile(string? file)
    {
        var path = file ?? Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
        if (!File.Exists(path))
        {
            return file is null ? null : throw new UsageException($"The settings file '{file}' does not exist.");
        }

        try
        {
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException exception)
        {
            throw new UsageException($"The settings file '{path}' is not valid JSON: {exception.Message}");
        }
    }

    /// <summary>
    /// Masks the password of a URI-like string (<c>scheme://user:password@host</c> → <c>scheme://user:***@host</c>),
    /// for the text no provider accepts; everything else names its broker through <see cref="Eventing.Providers.IProvider.Name"/>.
    /// </summary>
    private static string Mask(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var at = uri.IndexOf('@', start);
        if (at < 0)
        {
            return uri;
        }

        var colon = uri.IndexOf(':', start);
        return colon < 0 || colon > at ? uri : string.Concat(uri.AsSpan(0, colon + 1), "***", uri.AsSpan(at));
    }
}
