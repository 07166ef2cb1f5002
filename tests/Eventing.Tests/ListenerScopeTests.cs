using System.Collections.Concurrent;
using Eventing.Listeners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Eventing.Tests;

/// <summary>
/// A listener built only from singletons is built without a DI scope; a delivery's scope opens when the handler or
/// a pipeline asks for it, is shared by both, and ends with the attempt.
/// </summary>
public sealed class ListenerScopeTests
{
    public sealed class Scoped : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public sealed class Seen
    {
        private readonly Lock _gate = new();
        private readonly List<(object Listener, Scoped? FromListener, EventContext Context)> _items = [];

        public IReadOnlyList<(object Listener, Scoped? FromListener, EventContext Context)> Items
        {
            get
            {
                lock (_gate)
                {
                    return [.. _items];
                }
            }
        }

        public void Add(object listener, Scoped? fromListener, EventContext context)
        {
            lock (_gate)
            {
                _items.Add((listener, fromListener, context));
            }
        }
    }

    /// <summary>Built from singletons only (one of them an open generic registration): no scope needed.</summary>
    public sealed class SingletonBuilt(Seen seen, Recorder recorder, ILogger<SingletonBuilt> logger) : EventListener<OrderPlaced>
    {
        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(logger);

            // Odd orders ask for the scope; even ones never touch it.
            var scoped = @event.Number % 2 == 1 ? context.Services.GetRequiredService<Scoped>() : null;
            seen.Add(this, scoped, context);
            recorder.Record("singleton-built", @event, context);
            return default;
        }
    }

    /// <summary>Resolves the scoped service in its event stage, before the listener does.</summary>
    public sealed class ScopePipeline : EnvelopePipeline
    {
        public ConcurrentDictionary<EventContext, Scoped> Resolved { get; } = new();

        public override ValueTask HandleEventAsync(object @event, EventContext context, ListenerHandler next, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(next);
            Resolved[context] = context.Services.GetRequiredService<Scoped>();
            return next(@event, context, cancellationToken);
        }
    }

    public sealed class WithScopedDependency(Scoped scoped) : EventListener<OrderPlaced>
    {
        public Scoped Scoped => scoped;

        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => default;
    }

    public sealed class WithProvider(IServiceProvider services) : EventListener<OrderPlaced>
    {
        public IServiceProvider Services => services;

        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => default;
    }

    public sealed class Disposable(Recorder recorder) : EventListener<OrderPlaced>, IDisposable
    {
        public Recorder Recorder => recorder;

        public void Dispose()
        {
        }

        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => default;
    }

    public sealed class Keyed([FromKeyedServices("a")] Recorder recorder) : EventListener<OrderPlaced>
    {
        public Recorder Recorder => recorder;

        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => default;
    }

    public sealed class TwoConstructors : EventListener<OrderPlaced>
    {
        public TwoConstructors()
        {
        }

        public TwoConstructors(Recorder recorder) => ArgumentNullException.ThrowIfNull(recorder);

        public override ValueTask OnAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => default;
    }

    [Fact]
    public async Task A_listener_built_from_singletons_gets_a_new_instance_per_delivery_and_a_scope_only_when_it_asks()
    {
        var seen = new Seen();
        var recorder = new Recorder();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<SingletonBuilt>(),
            services => services.AddSingleton(seen).AddSingleton(recorder).AddScoped<Scoped>());

        for (var i = 0; i < 4; i++)
        {
            await host.Events.SendAsync(new OrderPlaced(i, "scope"));
        }

        await recorder.WaitForAsync(4);
        var items = seen.Items;
        Assert.Equal(4, items.Select(item => item.Listener).Distinct().Count());
        var scopes = items.Select(item => item.FromListener).OfType<Scoped>().ToList();
        Assert.Equal(2, scopes.Distinct().Count());
        Assert.All(scopes, scoped => Assert.True(scoped.Disposed));

        // The scope ended with the attempt: using it afterwards is a clear error, not a scope nobody disposes.
        Assert.All(items, item => Assert.Throws<ObjectDisposedException>(() => item.Context.Services));
    }

    [Fact]
    public async Task A_pipeline_and_the_listener_share_the_scope_of_a_delivery()
    {
        var seen = new Seen();
        var recorder = new Recorder();
        var pipeline = new ScopePipeline();
        await using var host = await TestHost.StartAsync(
            events => events.AddListener<SingletonBuilt>().AddPipeline(pipeline),
            services => services.AddSingleton(seen).AddSingleton(recorder).AddScoped<Scoped>());

        await host.Events.SendAsync(new OrderPlaced(1, "a"));
        await host.Events.SendAsync(new OrderPlaced(3, "b"));

        await recorder.WaitForAsync(2);
        var items = seen.Items;
        Assert.All(items, item => Assert.Same(pipeline.Resolved[item.Context], item.FromListener));
        Assert.NotSame(items[0].FromListener, items[1].FromListener);
        Assert.All(items, item => Assert.True(item.FromListener!.Disposed));
    }

    [Fact]
    public void Only_a_listener_whose_every_dependency_is_a_singleton_is_built_without_a_scope()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(new Seen())
            .AddSingleton(new Recorder())
            .AddKeyedSingleton("a", new Recorder())
            .AddScoped<Scoped>();
        services.AddEventing(events => events
            .AddListener<SingletonBuilt>()
            .AddListener<WithScopedDependency>()
            .AddListener<WithProvider>()
            .AddListener<Disposable>()
            .AddListener<Keyed>()
            .AddListener<TwoConstructors>()
            .UseLocal());
        using var provider = services.BuildServiceProvider(validateScopes: true);
        ServiceDescriptor[] registrations = [.. services];

        var unscoped = UnscopedListenerFactory.TryCreate(typeof(SingletonBuilt), registrations, provider);
        Assert.NotNull(unscoped);
        Assert.NotSame(unscoped.Create(), unscoped.Create());
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(WithScopedDependency), registrations, provider));
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(WithProvider), registrations, provider));
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(Disposable), registrations, provider));
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(Keyed), registrations, provider));
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(TwoConstructors), registrations, provider));

        // The application's own registration of the listener wins, as it does in the container.
        services.AddScoped<SingletonBuilt>();
        Assert.Null(UnscopedListenerFactory.TryCreate(typeof(SingletonBuilt), [.. services], provider));
    }
}
