using System.Net.Security;

namespace Eventing.Stomp;

/// <summary>Settings of the STOMP provider. Validated when the host starts.</summary>
/// <example>
/// <code>
/// services.AddEventing(events =&gt; events
///     .AddListener&lt;Billing&gt;()
///     .UseStomp(stomp =&gt; stomp.Uri = new Uri("stomp://admin:admin@127.0.0.1:61613")));
/// </code>
/// </example>
public sealed class StompProviderOptions
{
    /// <summary>
    /// The broker: <c>stomp://user:password@host:port</c>, or <c>stomp+ssl://…</c> for TLS. Credentials may be
    /// percent-encoded. Default <c>stomp://127.0.0.1:61613</c>.
    /// </summary>
    public Uri Uri { get; set; } = new("stomp://127.0.0.1:61613");

    /// <summary>
    /// The other nodes of the cluster <see cref="Uri"/> belongs to, e.g. <c>stomp://rabbit-2:61613</c>. Each
    /// connection attempt tries <see cref="Uri"/> and these in <see cref="EndpointOrder"/>, moving to the next one at
    /// once when one fails; a connection lost with its node is re-established on another. Only host and port are
    /// taken from each: login, passcode, virtual host and TLS are those of <see cref="Uri"/>. Default: none.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>
    /// The order in which <see cref="Uri"/> and <see cref="Endpoints"/> are tried. Default
    /// <see cref="EndpointOrder.Shuffled"/>: a fresh random order per attempt, which spreads connections over the cluster.
    /// </summary>
    public EndpointOrder EndpointOrder { get; set; } = EndpointOrder.Shuffled;

    /// <summary>
    /// The <c>host</c> header of CONNECT: the virtual host. RabbitMQ needs an existing vhost (<c>/</c> by
    /// default). Default <see langword="null"/>: the path of <see cref="Uri"/> (percent-decoded), or <c>/</c>.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>The destination mapping. Default <see cref="StompTopologyKind.Auto"/>: chosen from the broker's <c>server</c> header.</summary>
    public StompTopologyKind Topology { get; set; } = StompTopologyKind.Auto;

    /// <summary>
    /// On RabbitMQ, the type of the queues shared listeners and dead letters use: <see cref="StompQueueType.Quorum"/>
    /// for a cluster. It must match the RabbitMq provider's <c>QueueType</c> where both use the same listener.
    /// Other brokers accept only the default, <see cref="StompQueueType.Classic"/>.
    /// </summary>
    public StompQueueType QueueType { get; set; } = StompQueueType.Classic;

    /// <summary>How long connecting (TCP, TLS, CONNECT/CONNECTED) may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a send waits for the broker: for a connection while it is away, and for the RECEIPT of a
    /// durable event. Then it throws <see cref="BrokerUnreachableException"/>. Default 30 s.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The heart-beat interval offered both ways; a broker silent for about twice the agreed interval is
    /// considered dead and the connection is re-established. <see cref="TimeSpan.Zero"/> disables heart-beats.
    /// Default 10 s.
    /// </summary>
    public TimeSpan HeartBeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many unacknowledged messages the broker may push to one listener. Default <see langword="null"/>:
    /// 20 × the listener's concurrency, at most 1000.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>
    /// The first delay before reconnecting; it doubles per failed attempt (a round over all endpoints), with jitter.
    /// Default 200 ms.
    /// </summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between reconnect attempts. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest frame the client reads (headers and body). A MESSAGE with a larger body is dead-lettered as
    /// <c>too-large</c> without its body, which is skipped as it arrives. Must be at least
    /// <see cref="EventingOptions.MaxEnvelopeBytes"/> + 64 KiB. Default 16 MiB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// The most headers the client reads in one frame; a MESSAGE with more is dead-lettered as <c>too-large</c>.
    /// Default 256.
    /// </summary>
    public int MaxHeaderCount { get; set; } = 256;

    /// <summary>
    /// The longest header line the client reads; a MESSAGE with a longer one is dead-lettered as <c>too-large</c>.
    /// Default 256 KiB.
    /// </summary>
    public int MaxHeaderLineBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// TLS settings for <c>stomp+ssl://</c>. Default <see langword="null"/>: the system's trust store, and the host
    /// name of <see cref="Uri"/> as the target host.
    /// </summary>
    public SslClientAuthenticationOptions? Tls { get; set; }
}
