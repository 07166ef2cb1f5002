using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Eventing.Cli.Providers;

/// <summary>A provider together with the container that built it; disposing stops (if started) and disposes both.</summary>
internal sealed class OwnedProvider(ServiceProvider container, IProvider provider) : IAsyncDisposable
{
    private bool _started;

    public IProvider Provider { get; } = provider;

    /// <summary>Starts the provider (connects); a start that fails half-way is stopped on dispose all the same.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = true;
        return Provider.StartAsync(cancellationToken);
    }

    /// <summary>
    /// The provider's <see cref="IProviderInspector"/>, which <c>eventing topology</c> and <c>eventing dead-letters</c>
    /// need: the names and the dead-letter queue are the provider's business, so the CLI asks it instead of guessing.
    /// </summary>
    public IProviderInspector Inspector(string command) => Provider as IProviderInspector ?? throw new UsageException(
        $"`eventing {command}` cannot work with {Provider.Name}: its provider ({Provider.GetType().Name}) does not implement " +
        $"{nameof(IProviderInspector)}. Use a version of the provider package that does.");

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Only what was started: `eventing topology` builds a provider just to ask it for names.
            if (_started)
            {
                await Provider.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // Disposes the provider too: it is the container's singleton.
            await container.DisposeAsync().ConfigureAwait(false);
        }
    }
}
