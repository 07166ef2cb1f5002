using Eventing.Providers;

namespace Eventing.Local;

/// <summary>The in-process provider: same semantics as a broker, no network.</summary>
internal sealed class LocalProvider(LocalBroker broker) : IProvider, IDelayedRedelivery, IScheduledDelivery
{
    public string Name => "local";

    public string MessagingSystem => "local";

    // In process there is no connection to lose and no broker to cancel a consumer.
    public ProviderHealth Health { get; } = Connected();

    public LocalBroker Broker { get; } = broker;

    private static ProviderHealth Connected()
    {
        var health = new ProviderHealth("in-process");
        health.Connected();
        return health;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken) =>
        Broker.PublishAsync(envelope, @event.Name, cancellationToken);

    public Task<IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        var queue = Broker.Bind(listener.Queue, listener.Event.Name, autoDelete: listener.PerProcess);
        return Task.FromResult<IProviderSubscription>(new LocalSubscription(Broker, queue));
    }

    public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        // A per-process queue lives only as long as its consumer, as on the brokers: nothing to keep before it.
        if (!listener.PerProcess)
        {
            Broker.Declare(listener.Queue, listener.Event.Name, autoDelete: false);
        }

        return Task.CompletedTask;
    }

    public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken)
    {
        Broker.DeadLetter(listener.DeadLetterQueue, envelope);
        return default;
    }

    public ValueTask RedeliverAsync(Envelope envelope, ListenerDescriptor listener, TimeSpan delay, CancellationToken cancellationToken)
    {
        Broker.EnqueueLater(listener.Queue, envelope, delay);
        return default;
    }

    public ValueTask ScheduleAsync(Envelope envelope, EventDescriptor @event, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        Broker.PublishAt(envelope, @event.Name, dueAt);
        return default;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => default;
}
