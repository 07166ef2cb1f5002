namespace Eventing.RabbitMq;

/// <summary>
/// Settings of the RabbitMQ (AMQP 0-9-1) provider. The defaults suit production; they are validated when the
/// host starts and an invalid value is an error that names the option.
/// </summary>
/// <example>
/// <code>
/// services.AddEventing(events =&gt; events
///     .AddListener&lt;Billing&gt;()
///     .UseRabbitMq(rabbit =&gt;
///     {
///         rabbit.Uri = new Uri("amqp://orders:secret@rabbit.internal:5672/production");
///         rabbit.QueueType = RabbitMqQueueType.Quorum;
///     }));
/// </code>
/// </example>
public sealed class RabbitMqProviderOptions
{
    /// <summary>
    /// The broker: <c>amqp://user:password@host:port/vhost</c> or <c>amqps://…</c> for TLS.
    /// Default <c>amqp://guest:guest@127.0.0.1:5672/</c>.
    /// </summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>
    /// The other nodes of the RabbitMQ cluster <see cref="Uri"/> belongs to, e.g. <c>amqp://rabbit-2:5672</c>. The
    /// provider connects to one of <see cref="Uri"/> and these (see <see cref="EndpointOrder"/>) and, when that node is
    /// lost, recovers on another. Only host, port and scheme are taken from each: the credentials, virtual host and
    /// TLS settings are those of <see cref="Uri"/> (an entry naming others is an error). Default: none.
    /// </summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>
    /// The order in which <see cref="Uri"/> and <see cref="Endpoints"/> are tried, at start and on each recovery.
    /// Default <see cref="EndpointOrder.Shuffled"/>, which spreads a service's connections over the cluster.
    /// </summary>
    public EndpointOrder EndpointOrder { get; set; } = EndpointOrder.Shuffled;

    /// <summary>The user name; overrides the one in <see cref="Uri"/> when set.</summary>
    public string? UserName { get; set; }

    /// <summary>The password; overrides the one in <see cref="Uri"/> when set. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The topic exchange events are published to, with the event name as routing key. Default <c>amq.topic</c>,
    /// which always exists and which the STOMP and AMQP 1.0 providers on RabbitMQ reach too; another name is
    /// declared as a durable topic exchange at start.
    /// </summary>
    public string ExchangeName { get; set; } = "amq.topic";

    /// <summary>
    /// Whether a binary-mode message repeats in <c>ce_id</c>, <c>ce_type</c>, <c>ce_datacontenttype</c> and
    /// <c>ce_correlationid</c> headers what its native <c>message_id</c>, <c>type</c>, <c>content_type</c> and
    /// <c>correlation_id</c> properties already carry. Default false: every Eventing reader (and any 0-9-1 client)
    /// takes them from the properties, and the broker handles about 110 bytes less per message. Set it while STOMP
    /// listeners of Eventing 0.1, which read only the headers, consume these events on the same RabbitMQ, or for a
    /// reader of your own that looks at <c>ce_</c> headers only.
    /// </summary>
    public bool RepeatNativePropertiesInHeaders { get; set; }

    /// <summary>Classic (default) or quorum queues for listeners and dead letters.</summary>
    public RabbitMqQueueType QueueType { get; set; } = RabbitMqQueueType.Classic;

    /// <summary>
    /// How long a send may take, including waiting for the broker to come back after a lost connection and for
    /// its publisher confirm. After that the send throws <see cref="BrokerUnreachableException"/>. Default 30 s.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long start may try to connect before it throws <see cref="BrokerUnreachableException"/>. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The AMQP heartbeat asked of the broker (the broker may lower it). It bounds how long a dead connection can go
    /// unnoticed when nothing else tells: a peer that vanished without closing its socket, or a publishing connection
    /// whose write queue is stuck on a node the provider's sentinel connection is not on. Default 10 s (the client's
    /// own default, 60 s, meant stalls of about four minutes after a broker restart).
    /// </summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The pause between rounds of reconnection attempts after the connection was lost (RabbitMQ.Client recovers at
    /// this fixed interval; within a round every endpoint is tried at once). Default 2 s.
    /// </summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Unacknowledged messages the broker sends a consumer per unit of listener concurrency
    /// (prefetch = concurrency × this, at most <see cref="MaxPrefetch"/>), for listeners that do not set their own
    /// with <see cref="ListenerBuilder.Prefetch"/>. Default 50: enough to hide the network round trip, small enough
    /// that competing consumers share the work.
    /// </summary>
    public int PrefetchPerConcurrency { get; set; } = 50;

    /// <summary>
    /// The largest prefetch of one listener. Each listener consumes on a connection of its own, and RabbitMQ.Client
    /// 7.2 queues at most 128 outgoing frames per connection: when a broker restart kills its write loop, the
    /// acknowledgements written after that must not fill the queue, or the connection would notice the restart only
    /// after three heartbeats. 100 in flight also keeps a consumer at its top speed (measured). A larger
    /// <see cref="ListenerBuilder.Prefetch"/> is lowered to this, with a warning.
    /// </summary>
    public const int MaxPrefetch = 100;

    /// <summary>
    /// Durable sends that may wait for their publisher confirm at once; further sends wait for a slot. Default 1000
    /// (measured: confirmed persistent publishing reaches its top speed from about 100 in flight).
    /// </summary>
    public int MaxOutstandingConfirms { get; set; } = 1000;

    /// <summary>RabbitMQ.Client's largest inbound message limit, 128 MiB (also RabbitMQ's default <c>max_message_size</c>).</summary>
    public const int MaxInboundMessageBytesLimit = 128 * 1024 * 1024;

    /// <summary>
    /// The largest message body the connection accepts from the broker. RabbitMQ.Client fails the whole connection
    /// (every listener and send on it) on a larger one, so keep it at least the broker's <c>max_message_size</c>:
    /// then every message is received, and one above <see cref="EventingOptions.MaxEnvelopeBytes"/> is dead-lettered
    /// as too large. Must be at least <see cref="EventingOptions.MaxEnvelopeBytes"/>. Default and maximum 128 MiB.
    /// </summary>
    public int MaxInboundMessageBytes { get; set; } = MaxInboundMessageBytesLimit;

    /// <summary>The connection name shown in the RabbitMQ management UI. Default <c>eventing:&lt;process name&gt;</c>.</summary>
    public string? ClientProvidedName { get; set; }

    /// <summary>TLS settings.</summary>
    public RabbitMqTlsOptions Tls { get; } = new();
}
