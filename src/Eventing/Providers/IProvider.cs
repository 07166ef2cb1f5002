namespace Eventing.Providers;

/// <summary>
/// Moves envelopes to and from one kind of broker. A provider connects, sends an envelope to an event's
/// address, subscribes a listener's queue and hands each delivery to the core, settles each delivery as the
/// core decides, and stops. Serialization, pipelines, retries, DI and logging of outcomes live in the core.
/// </summary>
public interface IProvider : IAsyncDisposable
{
    /// <summary>A short name for logs and errors, e.g. <c>rabbitmq amqp://127.0.0.1:5672/</c> (no secrets).</summary>
    string Name { get; }

    /// <summary>
    /// The <c>messaging.system</c> of spans and metrics: <c>rabbitmq</c>, <c>stomp</c>, <c>amqp</c>, <c>local</c>.
    /// Providers written elsewhere should return their broker's name as the OpenTelemetry conventions spell it.
    /// </summary>
    string MessagingSystem => "unknown";

    /// <summary>
    /// The connection and consumers as the provider last saw them, for health checks and metrics; null for a
    /// provider that does not report them (the health check then only sees the receive loops).
    /// </summary>
    ProviderHealth? Health => null;

    /// <summary>Connects and declares what the provider needs.</summary>
    /// <exception cref="BrokerUnreachableException">The broker cannot be reached or refused the credentials.</exception>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends an envelope to the address of <paramref name="event"/>. For durable events the task completes once
    /// the broker took responsibility (publisher confirm, settled disposition, RECEIPT).
    /// </summary>
    ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken);

    /// <summary>
    /// Starts consuming the queue of <paramref name="listener"/>. The provider writes each delivery to the
    /// subscription's <see cref="IProviderSubscription.Deliveries"/>; the core's receive pump reads them, decides
    /// concurrency and the outcome, and settles each through its <see cref="Delivery"/>.
    /// </summary>
    Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken);

    /// <summary>
    /// Declares the queue of <paramref name="listener"/>, its dead-letter queue and its bindings without consuming
    /// it, so that events sent from now on wait for a listener of that name. Idempotent.
    /// </summary>
    Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken);

    /// <summary>Sends a failed envelope to the listener's dead-letter queue, confirmed.</summary>
    ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken);

    /// <summary>Closes the connection. Subscriptions are stopped by the core before this is called.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
