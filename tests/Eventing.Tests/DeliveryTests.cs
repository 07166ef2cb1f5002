using Eventing.Local;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Tests;

public sealed class DeliveryTests
{
    public sealed class Counting(Recorder recorder) : EventListener<OrderPlaced>
    {
        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            recorder.Record(context.Listener.Name + "@" + context.Listener.ProcessId, @event, context);
            return default;
        }
    }

    public sealed class Scoped : IDisposable
    {
        public Guid Id { get; } = Guid.NewGuid();

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public sealed class ScopeListener(Scoped scoped, Recorder recorder, List<Scoped> scopes) : EventListener<OrderPlaced>
    {
        public override async ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Assert.Same(scoped, context.Services.GetRequiredService<Scoped>());
            lock (scopes)
            {
                scopes.Add(scoped);
            }

            recorder.Record("scope", @event, context);
        }
    }

    [Fact]
    public async Task Listeners_with_different_names_each_get_every_event()
    {
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<Counting>(l => l.Name("fan-a")).AddListener<Counting>(l => l.Name("fan-b")),
            services => services.AddSingleton(recorder),
            processId: "p1");

        for (var i = 0; i < 20; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "fan"));
        }

        await recorder.WaitForAsync(40);
        Assert.Equal(20, recorder.CountFor("fan-a@p1"));
        Assert.Equal(20, recorder.CountFor("fan-b@p1"));
    }

    [Fact]
    public async Task Two_processes_with_one_listener_name_compete_and_per_process_listeners_each_get_a_copy()
    {
        var broker = new LocalBroker();
        var recorder = new Recorder();
        void Configure(EventingBuilder events) => events
            .AddListener<Counting>(l => l.Name("competing"))
            .AddListener<Counting>(l => l.Name("everyone").PerProcess());
        await using var first = await TestHost.StartAsync(Configure, services => services.AddSingleton(recorder), broker, "one");
        await using var second = await TestHost.StartAsync(Configure, services => services.AddSingleton(recorder), broker, "two");

        const int count = 50;
        for (var i = 0; i < count; i++)
        {
            await first.Events.SendAsync(new OrderPlaced(i, "compete"));
        }

        await recorder.WaitForAsync(count * 3);
        Assert.Equal(count, recorder.CountFor("competing@one") + recorder.CountFor("competing@two"));
        Assert.Equal(count, recorder.CountFor("everyone@one"));
        Assert.Equal(count, recorder.CountFor("everyone@two"));

        var competing = recorder.Seen.Where(seen => seen.Listener.StartsWith("competing", StringComparison.Ordinal))
            .Select(seen => ((OrderPlaced)seen.Event).Number).Order();
        Assert.Equal(Enumerable.Range(0, count), competing);
        Assert.True(broker.HasQueue("tests.order-placed::everyone-one"));
    }

    [Fact]
    public async Task A_per_process_queue_goes_away_with_its_process()
    {
        var broker = new LocalBroker();
        var host = await TestHost.StartAsync(events => events.AddListener<Counting>(l => l.Name("transient").PerProcess()), services => services.AddSingleton(new Recorder()), broker, "gone");
        Assert.True(broker.HasQueue("tests.order-placed::transient-gone"));
        await host.DisposeAsync();
        Assert.False(broker.HasQueue("tests.order-placed::transient-gone"));
    }

    [Fact]
    public async Task Each_delivery_gets_its_own_DI_scope_which_is_disposed_afterwards()
    {
        var recorder = new Recorder();
        var scopes = new List<Scoped>();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<ScopeListener>(l => l.Name("scopes")),
            services => services.AddSingleton(recorder).AddSingleton(scopes).AddScoped<Scoped>());

        for (var i = 0; i < 3; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "scope"));
        }

        await recorder.WaitForAsync(3);
        await host.StopAsync();
        Assert.Equal(3, scopes.Select(scope => scope.Id).Distinct().Count());
        Assert.All(scopes, scope => Assert.True(scope.Disposed));
    }

    [Fact]
    public async Task A_dynamic_subscription_receives_until_disposed_and_its_consumer_is_removed()
    {
        await using var host = await TestHost.StartAsync(_ => { });
        var received = new List<int>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await host.Events.SubscribeAsync<OrderPlaced>("dynamic", (e, _, _) =>
        {
            lock (received)
            {
                received.Add(e.Number);
            }

            first.TrySetResult();
            return default;
        });

        await host.Events.SendAsync(new OrderPlaced(1, "dyn"));
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await subscription.DisposeAsync();

        await host.Events.SendAsync(new OrderPlaced(2, "dyn"));
        await host.Events.SendAsync(new OrderPlaced(3, "dyn"));

        // With no consumer left, the queue keeps what arrives: nothing is taken off it.
        Assert.Equal(2, host.Broker.GetQueueDepth("tests.order-placed::dynamic"));
        lock (received)
        {
            Assert.Equal([1], received);
        }
    }

    [Fact]
    public async Task Json_is_camelCase_and_unknown_members_are_ignored()
    {
        await using var host = await TestHost.StartAsync(_ => { });
        var received = new TaskCompletionSource<(OrderPlaced Event, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("json", (e, context, _) =>
        {
            received.TrySetResult((e, System.Text.Encoding.UTF8.GetString(context.Envelope.Body.Span)));
            return default;
        });

        await host.Events.SendAsync(new OrderPlaced(5, "json"));
        var (sent, body) = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("{\"number\":5,\"customer\":\"json\"}", body);
        Assert.Equal(new OrderPlaced(5, "json"), sent);

        // A newer sender adds a field: older listeners keep working.
        var provider = host.Services.GetRequiredService<Eventing.Providers.IProvider>();
        var next = new TaskCompletionSource<OrderPlaced>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var tolerant = await host.Events.SubscribeAsync<OrderPlaced>("json-tolerant", (e, _, _) =>
        {
            next.TrySetResult(e);
            return default;
        });
        var envelope = new Envelope("tests.order-placed", "{\"number\":6,\"customer\":\"new\",\"priority\":\"high\"}"u8.ToArray());
        await provider.SendAsync(envelope, new EventDescriptor("tests.order-placed"), CancellationToken.None);
        Assert.Equal(new OrderPlaced(6, "new"), await next.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_structured_mode_envelope_is_accepted_by_a_listener()
    {
        await using var host = await TestHost.StartAsync(_ => { });
        var received = new TaskCompletionSource<(OrderPlaced Event, EventContext Context)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await host.Events.SubscribeAsync<OrderPlaced>("structured", (e, context, _) =>
        {
            received.TrySetResult((e, context));
            return default;
        });

        var binary = new Envelope("tests.order-placed", "{\"number\":9,\"customer\":\"s\"}"u8.ToArray());
        binary.Headers["tenant"] = "acme";
        var provider = host.Services.GetRequiredService<Eventing.Providers.IProvider>();
        await provider.SendAsync(StructuredCloudEvent.ToStructured(binary), new EventDescriptor("tests.order-placed"), CancellationToken.None);

        var (@event, context) = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new OrderPlaced(9, "s"), @event);
        Assert.Equal("acme", context.Headers["tenant"]);
        Assert.Equal(binary.Id, context.MessageId);
    }
}
