using Eventing.Amqp.Topology;

namespace Eventing.Amqp;

/// <summary>
/// Settings of the AMQP 1.0 provider. The defaults suit production; they are validated when the host starts and
/// an invalid value is an error that names the option.
/// </summary>
/// <example>
/// <code>
/// services.AddEventing(events =&gt; events
///     .AddListener&lt;Billing&gt;()
///     .UseAmqp(amqp =&gt;
///     {
///         amqp.Uri = new Uri("amqps://orders:secret@broker.internal:5671");
///         amqp.Topology = AmqpTopology.Artemis;
///     }));
/// </code>
/// </example>
public sealed class AmqpProviderOptions
{
    /// <summary>
    /// The broker: <c>amqp://user:password@host:port</c>, or <c>amqps://…</c> for TLS. With a user name the
    /// connection authenticates with SASL PLAIN; without one it uses SASL ANONYMOUS.
    /// Default <c>amqp://guest:guest@127.0.0.1:5672</c>.
    /// </summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@127.0.0.1:5672");

    /// <summary>
    /// The other nodes of the cluster <see cref="Uri"/> belongs to, e.g. <c>amqp://rabbit-2:5672</c>. Each
    /// connection attempt tries <see cref="Uri"/> and these in <see cref="EndpointOrder"/>, moving to the next one at
    /// once when one fails; when the connection is lost with its node, senders and receivers come back on another.
    /// Only host and port are taken from each: credentials and TLS are those of <see cref="Uri"/>. Default: none.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>
    /// The order in which <see cref="Uri"/> and <see cref="Endpoints"/> are tried. Default
    /// <see cref="EndpointOrder.Shuffled"/>: a fresh random order per attempt, which spreads connections over the cluster.
    /// </summary>
    public EndpointOrder EndpointOrder { get; set; } = EndpointOrder.Shuffled;

    /// <summary>The user name; overrides the one in <see cref="Uri"/> when set.</summary>
    public string? UserName { get; set; }

    /// <summary>The password; overrides the one in <see cref="Uri"/> when set. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Where events are sent and listeners receive from. Default <see cref="AmqpTopology.RabbitMq"/> (RabbitMQ 3.x
    /// with the <c>rabbitmq_amqp1_0</c> plugin), which needs a <see cref="Provisioner"/>: reference the
    /// <c>Eventing.Amqp.RabbitMq</c> package and call <c>amqp.UseRabbitMqProvisioning()</c>.
    /// </summary>
    public AmqpTopology Topology { get; set; } = AmqpTopology.RabbitMq;

    /// <summary>
    /// Declares what a topology cannot declare over AMQP 1.0 (queues, bindings, dead-letter queues) before a
    /// listener attaches. Required when <see cref="AmqpTopology.RequiresProvisioning"/> is true.
    /// </summary>
    public IAmqpProvisioner? Provisioner { get; set; }

    /// <summary>
    /// How long a send may wait for the connection to come back after it was lost, including resending what was
    /// in flight when it broke. After that the send throws <see cref="BrokerUnreachableException"/>. Default 30 s.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long start may try to connect before it throws <see cref="BrokerUnreachableException"/>. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The first pause before reconnecting after the connection or a link was lost; it doubles on each failed
    /// attempt (a round over all endpoints) up to <see cref="MaxRecoveryInterval"/>, with jitter. Default 200 ms.
    /// </summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest pause between reconnection attempts; it bounds how long listeners stay idle after the broker
    /// accepts connections again (about this plus 20 % jitter). Default 2 s: an attempt against a broker that is
    /// still down is one refused TCP connection, cheap even for many clients.
    /// </summary>
    public TimeSpan MaxRecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Link credit a receiver grants per unit of listener concurrency (credit = concurrency × this, at most
    /// 10,000). Default 50: enough to hide the network round trip, small enough that competing listeners share
    /// the work.
    /// </summary>
    public int CreditPerConcurrency { get; set; } = 50;

    /// <summary>
    /// The AMQP idle timeout announced to the broker; a connection that stays silent for longer is considered
    /// lost and recovered. Default 30 s.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The container id announced in the AMQP open frame. Default <c>eventing-&lt;process name&gt;-&lt;random&gt;</c>.</summary>
    public string? ContainerId { get; set; }

    /// <summary>TLS settings. An <c>amqps://</c> URI turns TLS on by itself.</summary>
    public AmqpTlsOptions Tls { get; } = new();
}
