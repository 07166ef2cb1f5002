using Eventing.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Outbox.Tests;

/// <summary>A started service provider with Eventing and the outbox; stands in for one app process.</summary>
internal sealed class OutboxTestHost : IAsyncDisposable
{
    private readonly IHostedService[] _hosted;
    private bool _stopped;

    private OutboxTestHost(ServiceProvider services)
    {
        Services = services;
        _hosted = [.. services.GetServices<IHostedService>()];
    }

    public ServiceProvider Services { get; }

    public IOutbox Outbox => Services.GetRequiredService<IOutbox>();

    public IEventManager Events => Services.GetRequiredService<IEventManager>();

    public SessionPipeline Session => Services.GetRequiredService<SessionPipeline>();

    public static async Task<OutboxTestHost> StartAsync(
        Action<OutboxBuilder> store,
        Action<OutboxOptions>? options = null,
        Action<EventingBuilder>? provider = null,
        LocalBroker? broker = null,
        Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddEventing(events =>
        {
            events.AddEvent<OrderPlaced>().AddEvent<OrderShipped>().AddPipeline<SessionPipeline>();
            events.AddOutbox(outbox =>
            {
                store(outbox);
                outbox.Configure(o =>
                {
                    // Tests wait on signals; a short poll keeps the relay's reaction quick without racing the commit path.
                    o.PollInterval = TimeSpan.FromMilliseconds(50);
                    options?.Invoke(o);
                });
            });
            if (provider is null)
            {
                events.UseLocal(local => local.Broker = broker);
            }
            else
            {
                provider(events);
            }
        });
        var host = new OutboxTestHost(collection.BuildServiceProvider(validateScopes: true));
        try
        {
            foreach (var hosted in host._hosted.OfType<IHostedLifecycleService>())
            {
                await hosted.StartingAsync(CancellationToken.None);
            }

            foreach (var hosted in host._hosted)
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            foreach (var hosted in host._hosted.OfType<IHostedLifecycleService>())
            {
                await hosted.StartedAsync(CancellationToken.None);
            }
        }
        catch
        {
            await host.Services.DisposeAsync();
            throw;
        }

        return host;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        // As the generic host stops: every lifecycle service hears "stopping" first, in order, then all stop in
        // reverse order of registration.
        _stopped = true;
        foreach (var hosted in _hosted.OfType<IHostedLifecycleService>())
        {
            await hosted.StoppingAsync(CancellationToken.None);
        }

        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        foreach (var hosted in _hosted.OfType<IHostedLifecycleService>())
        {
            await hosted.StoppedAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Services.DisposeAsync();
    }
}
