using Microsoft.Extensions.Hosting;

namespace Eventing.Hosting;

/// <summary>Starts the provider and every listener with the host, and stops them gracefully with it.</summary>
internal sealed class EventingHostedService(EventManager manager) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => manager.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => manager.StopAsync(cancellationToken);
}
