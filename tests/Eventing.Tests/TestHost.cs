using Eventing.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Eventing.Tests;

/// <summary>A started service provider with Eventing on the local provider; stands in for one process.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly IHostedService[] _hosted;
    private bool _stopped;

    private TestHost(ServiceProvider services)
    {
        Services = services;
        _hosted = [.. services.GetServices<IHostedService>()];
    }

    public ServiceProvider Services { get; }

    public IEventManager Events => Services.GetRequiredService<IEventManager>();

    public LocalBroker Broker => Services.GetRequiredService<LocalBroker>();

    public static async Task<TestHost> StartAsync(Action<EventingBuilder> configure, Action<IServiceCollection>? services = null, LocalBroker? broker = null, string? processId = null, Providers.IProvider? provider = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddEventing(events =>
        {
            events.Configure(options =>
            {
                options.DefaultRetry = new RetryPolicy(3, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10));
                if (processId is not null)
                {
                    options.ProcessId = processId;
                }
            });
            configure(events);
            if (provider is null)
            {
                events.UseLocal(local => local.Broker = broker);
            }
            else
            {
                events.UseProvider(_ => provider);
            }
        });
        var host = new TestHost(collection.BuildServiceProvider(validateScopes: true));
        try
        {
            await host.StartHostedAsync();
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

        _stopped = true;
        foreach (var hosted in _hosted.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Services.DisposeAsync();
    }

    private async Task StartHostedAsync()
    {
        // Options validation runs in its own hosted service (ValidateOnStart), like under the generic host.
        foreach (var hosted in _hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }
}
