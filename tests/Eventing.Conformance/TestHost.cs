using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Eventing.Conformance;

/// <summary>An Eventing host on a target's provider, standing in for one process.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestHost(IHost host)
    {
        _host = host;
        Events = host.Services.GetRequiredService<IEventManager>();
        Sender = host.Services.GetRequiredService<IEnvelopeSender>();
    }

    /// <summary>Sends events.</summary>
    public IEventManager Events { get; }

    /// <summary>Creates and sends envelopes separately (to see exactly what went out).</summary>
    internal IEnvelopeSender Sender { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Builds and starts a host; throws whatever starting the provider throws.</summary>
    public static async Task<TestHost> StartAsync(
        ConformanceTarget target,
        ProviderSettings? settings = null,
        Action<EventingOptions>? options = null,
        Action<EventingBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (Environment.GetEnvironmentVariable("EVENTING_TEST_LOG") is { Length: > 0 } logFile)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(logFile));
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services.AddEventing(events =>
        {
            events.Configure(eventing =>
            {
                eventing.ShutdownTimeout = TimeSpan.FromSeconds(20);
                eventing.DefaultRetry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero);
                options?.Invoke(eventing);
            });
            configure?.Invoke(events);
            target.UseProvider(events, settings ?? ProviderSettings.Default);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new TestHost(host);
    }

    /// <summary>Stops the host gracefully: in-flight handlers finish (bounded by the shutdown timeout).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _host.Dispose();
        }
    }
}
