using Eventing.Amqp.Hosting;
using Eventing.Amqp.RabbitMq;
using Eventing.Amqp.RabbitMq.Provisioning;
using Eventing.Amqp.Topology;

namespace Eventing.Amqp;

/// <summary>Runs the AMQP 1.0 provider on RabbitMQ 3.x.</summary>
public static class AmqpRabbitMqOptionsExtensions
{
    /// <summary>
    /// Uses the RabbitMQ 3.x topology and declares each listener's queue, its binding to the exchange and its
    /// dead-letter queue over AMQP 0-9-1 before the listener attaches (AMQP 1.0 on 3.x cannot declare bindings).
    /// The queues are the ones the RabbitMq and Stomp providers use, so listeners on any of them share them.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddEventing(events =&gt; events
    ///     .AddListener&lt;Billing&gt;()
    ///     .UseAmqp(amqp =&gt; amqp.UseRabbitMqProvisioning(rabbit =&gt; rabbit.QueueType = RabbitMqQueueType.Quorum)));
    /// </code>
    /// </example>
    public static AmqpProviderOptions UseRabbitMqProvisioning(this AmqpProviderOptions options, Action<RabbitMqProvisioningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new RabbitMqProvisioningOptions();
        configure?.Invoke(settings);
        options.Topology = new RabbitMqAmqpTopology(settings.ExchangeName);

        // Resolved when the first queue is declared: the caller may still set Uri and Endpoints after this call.
        options.Provisioner = new RabbitMqAmqpProvisioner(
            () => settings.Uri is { } uri ? [uri, .. settings.Endpoints] : [DeriveUri(options, options.Uri), .. options.Endpoints.Select(node => DeriveUri(options, node))],
            settings.ExchangeName, settings.QueueType, options.ConnectTimeout);
        return options;
    }

    // RabbitMQ serves AMQP 0-9-1 on the AMQP 1.0 port: the same node, with the credentials of the provider's Uri.
    private static Uri DeriveUri(AmqpProviderOptions options, Uri node)
    {
        var source = options.Uri;
        var builder = new UriBuilder(source)
        {
            Scheme = AmqpEndpoint.UsesTls(source) ? "amqps" : "amqp",
            Host = node.Host,
            Port = AmqpEndpoint.Port(node),
            Path = "/",
        };
        if (options.UserName is not null)
        {
            builder.UserName = Uri.EscapeDataString(options.UserName);
        }

        if (options.Password is not null)
        {
            builder.Password = Uri.EscapeDataString(options.Password);
        }

        return builder.Uri;
    }
}
