using Eventing.Cli.Providers;
using Eventing.Stomp;

namespace Eventing.Cli.Configuration;

/// <summary>Where and how to connect, resolved from flags, environment variables and the settings file.</summary>
internal sealed record ConnectionSettings(
    ProviderKind Provider,
    Uri? Broker,
    StompTopologyKind StompTopology,
    string AmqpTopology,
    string Exchange)
{
    /// <summary>The broker, or a usage error saying how to give one.</summary>
    public Uri RequireBroker() => Broker ?? throw new UsageException(
        "No broker given. Pass --broker URI (e.g. amqp://guest:guest@127.0.0.1:5672/), or set EVENTING_BROKER, or Eventing:Broker in the settings file.");
}
