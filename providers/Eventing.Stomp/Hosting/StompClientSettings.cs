using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Hosting;

/// <summary>What the STOMP client takes from <see cref="StompProviderOptions"/>.</summary>
internal static class StompClientSettings
{
    public static StompClientOptions From(StompProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StompClientOptions(options.Uri)
        {
            Nodes = EndpointList.Collect(options.Uri, options.Endpoints),
            Order = options.EndpointOrder,
            VirtualHost = options.Host,
            Tls = options.Tls,
            ConnectTimeout = options.ConnectTimeout,
            HeartBeat = options.HeartBeat,
            ReconnectMinDelay = options.ReconnectMinDelay,
            ReconnectMaxDelay = options.ReconnectMaxDelay,
            Limits = new StompLimits(options.MaxFrameBytes, options.MaxHeaderCount, options.MaxHeaderLineBytes),
        };
    }

    /// <summary>Every node of the options, for a session.</summary>
    public static StompEndpoints Endpoints(StompProviderOptions options) => new(From(options));
}
