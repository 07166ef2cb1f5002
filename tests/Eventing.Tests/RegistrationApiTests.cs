using Eventing.Hosting;
using Eventing.Local;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

/// <summary>Registration settings given in code: names for types we do not own, queues without listeners, prefetch, send stages.</summary>
public sealed class RegistrationApiTests
{
    /// <summary>A record from a library the application does not own: no [Event] on it.</summary>
    public sealed record ForeignRecord(int Value);

    public sealed class ForeignListener(Recorder recorder) : EventListener<ForeignRecord>
    {
        protected override void On(ForeignRecord @event, EventContext context) => recorder.Record("foreign", @event, context);
    }

    public sealed class LateListener(Recorder recorder) : EventListener<OrderPlaced>
    {
        protected override void On(OrderPlaced @event, EventContext context) => recorder.Record("late", @event, context);
    }

    [Fact]
    public async Task A_type_without_the_event_attribute_travels_under_the_name_and_durability_given_in_code()
    {
        var recorder = new Recorder();
        var name = "tests.foreign-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await TestHost.StartAsync(
            events => events.AddEvent<ForeignRecord>(name, durable: true).AddListener<ForeignListener>(),
            services => services.AddSingleton(recorder));

        await host.Events.SendAsync(new ForeignRecord(5));
        await recorder.WaitForAsync(1).WaitAsync(TimeSpan.FromSeconds(10));

        var seen = Assert.Single(recorder.Seen);
        Assert.Equal(name, seen.Context.Envelope.Type);
        Assert.True(((EventManager)host.Events).TryGetEvent(name, out var descriptor));
        Assert.True(descriptor.Durable);
        Assert.Equal(typeof(ForeignRecord), descriptor.ClrType);
    }

    [Fact]
    public void A_name_given_in_code_is_checked_like_an_attribute_name()
    {
        var services = new ServiceCollection();
        Assert.Throws<EventRegistrationException>(() => services.AddEventing(events => events.AddEvent<ForeignRecord>("bad/name").UseLocal()));
    }

    [Fact]
    public async Task An_event_sent_before_any_listener_exists_waits_in_a_provisioned_queue_and_reaches_the_listener_that_comes_later()
    {
        var broker = new LocalBroker();
        var listener = "late-" + Guid.NewGuid().ToString("N")[..8];
        await using (var sender = await TestHost.StartAsync(events => events.Provision<OrderPlaced>(listener), broker: broker))
        {
            Assert.True(broker.HasQueue($"tests.order-placed::{listener}"));
            await sender.Events.SendAsync(new OrderPlaced(1, "early"));
            Assert.Equal(1, broker.GetQueueDepth($"tests.order-placed::{listener}"));
        }

        var recorder = new Recorder();
        await using var receiver = await TestHost.StartAsync(
            events => events.AddListener<LateListener>(l => l.Name(listener)),
            services => services.AddSingleton(recorder),
            broker: broker);
        await recorder.WaitForAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("early", ((OrderPlaced)Assert.Single(recorder.Seen).Event).Customer);
    }

    [Fact]
    public async Task Without_provisioning_an_event_nobody_listens_to_is_not_kept()
    {
        var broker = new LocalBroker();
        var listener = "absent-" + Guid.NewGuid().ToString("N")[..8];
        await using var sender = await TestHost.StartAsync(events => events.AddEvent<OrderPlaced>(), broker: broker);
        await sender.Events.SendAsync(new OrderPlaced(1, "dropped"));
        Assert.False(broker.HasQueue($"tests.order-placed::{listener}"));
    }

    [Fact]
    public async Task A_listener_prefetch_set_at_registration_reaches_the_provider()
    {
        var provider = new SubscriptionRecorder(new LocalProvider(new LocalBroker()));
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<LateListener>(l => l.Name("prefetch-" + Guid.NewGuid().ToString("N")[..8]).Concurrency(2).Prefetch(7)),
            services => services.AddSingleton(new Recorder()),
            provider: provider);
        var listener = Assert.Single(provider.Subscribed);
        Assert.Equal(7, listener.Prefetch);
        Assert.Equal(2, listener.Concurrency);
    }

    [Fact]
    public void A_prefetch_outside_1_to_65535_is_refused_at_registration()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddEventing(events => events.AddListener<LateListener>(l => l.Prefetch(0)).UseLocal()));
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddEventing(events => events.AddListener<LateListener>(l => l.Prefetch(70_000)).UseLocal()));
    }

    private sealed class HandleOnly : EnvelopePipeline
    {
        public override ValueTask HandleAsync(Envelope envelope, ListenerDescriptor listener, EnvelopeHandler next, CancellationToken cancellationToken) =>
            next(envelope, cancellationToken);
    }

    private sealed class Stamping : EnvelopePipeline
    {
        public override ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken)
        {
            envelope.Headers["stamped"] = "yes";
            return default;
        }
    }

    [Fact]
    public async Task Only_pipelines_with_a_send_stage_run_on_send()
    {
        var handleOnly = new HandleOnly();
        var stamping = new Stamping();
        await using var host = await TestHost.StartAsync(events => events.AddPipeline(handleOnly).AddPipeline(stamping).AddEvent<OrderPlaced>());
        var manager = (EventManager)host.Events;
        Assert.Equal([stamping], manager.SendPipelines);
    }

    private sealed class SubscriptionRecorder(Providers.IProvider inner) : Providers.IProvider
    {
        public List<ListenerDescriptor> Subscribed { get; } = [];

        public string Name => inner.Name;

        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public ValueTask SendAsync(Envelope envelope, EventDescriptor @event, CancellationToken cancellationToken) => inner.SendAsync(envelope, @event, cancellationToken);

        public Task<Providers.IProviderSubscription> SubscribeAsync(ListenerDescriptor listener, CancellationToken cancellationToken)
        {
            Subscribed.Add(listener);
            return inner.SubscribeAsync(listener, cancellationToken);
        }

        public Task ProvisionAsync(ListenerDescriptor listener, CancellationToken cancellationToken) => inner.ProvisionAsync(listener, cancellationToken);

        public ValueTask DeadLetterAsync(Envelope envelope, ListenerDescriptor listener, CancellationToken cancellationToken) => inner.DeadLetterAsync(envelope, listener, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
