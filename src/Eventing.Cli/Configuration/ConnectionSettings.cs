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
    /// <summary>The broker URI with its password masked, for messages.</summary>
    public string Endpoint => Broker is null ? "(no broker)" : Mask(Broker.OriginalString);

    /// <summary>The broker, or a usage error saying how to give one.</summary>
    public Uri RequireBroker() => Broker ?? throw new UsageException(
        "No broker given. Pass --broker URI (e.g. amqp://guest:guest@127.0.0.1:5672/), or set EVENTING_BROKER, or Eventing:Broker in the settings file.");

    /// <summary>Masks the password of a URI-like string (<c>scheme://user:password@host</c> → <c>scheme://user:***@host</c>).</summary>
    public static string Mask(string uri)
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
