using Eventing.Conformance;
using Eventing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Eventing.RabbitMq.Tests.Health;

/// <summary>
/// An Eventing host on the RabbitMq target with the real <c>eventing</c> health check registered, as an application
/// registers it: <c>services.AddHealthChecks().AddEventing(...)</c>, read through <see cref="HealthCheckService"/>.
/// </summary>
internal sealed class HealthHost : IAsyncDisposable
{
    /// <summary>The grace period the check is configured with.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(5);

    private readonly IHost _host;
    private readonly HealthCheckService _health;

    private HealthHost(IHost host)
    {
        _host = host;
        _health = host.Services.GetRequiredService<HealthCheckService>();
        Events = host.Services.GetRequiredService<IEventManager>();
        Provider = host.Services.GetRequiredService<IProvider>();
    }

    public IEventManager Events { get; }

    public IProvider Provider { get; }

    public static async Task<HealthHost> StartAsync(ConformanceTarget target)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEventing(events => target.UseProvider(events, ProviderSettings.Default));
        builder.Services.AddHealthChecks().AddEventing(health => health.GracePeriod = GracePeriod);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new HealthHost(host);
    }

    /// <summary>What the <c>eventing</c> check says now.</summary>
    public async Task<HealthReportEntry> CheckAsync()
    {
        var report = await _health.CheckHealthAsync();
        return report.Entries["eventing"];
    }

    /// <summary>
    /// Reads the check every 100 ms until <paramref name="condition"/> holds, within <paramref name="timeout"/>; each
    /// reading goes to <paramref name="observe"/> first. Health is a state, not an event: there is no signal to wait
    /// on, so the poll is short and bounded.
    /// </summary>
    public async Task<HealthReportEntry> PollAsync(Func<HealthReportEntry, bool> condition, Func<HealthReportEntry, Task> observe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var entry = await CheckAsync();
        for (; ; entry = await CheckAsync())
        {
            await observe(entry);
            if (condition(entry))
            {
                return entry;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for the health check to report {what}; it last said {entry.Status}: {entry.Description}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
