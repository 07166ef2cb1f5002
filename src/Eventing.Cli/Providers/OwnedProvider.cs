using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Cli.Providers;

/// <summary>A provider together with the container that built it; disposing stops both.</summary>
internal sealed class OwnedProvider(ServiceProvider container, IProvider provider) : IAsyncDisposable
{
    public IProvider Provider { get; } = provider;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Provider.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // Disposes the provider too: it is the container's singleton.
            await container.DisposeAsync().ConfigureAwait(false);
        }
    }
}
